/**
 * apache-arrow, loaded from the single-file build its npm package ships (Arrow.esnext.min.js, copied here as
 * `_arrow.js` and made an ES module by two lines around its UMD wrapper; version 21.2.0, the same as the types
 * below) rather than from the package's ES module graph of several hundred files. Every isolate — the main
 * thread and each worker — loads it: the graph took 47–51 ms, the single file 5–6 ms (28–31 ms loaded as
 * CommonJS; measured warm, V8's code cache on). deno.json maps `apache-arrow` here.
 */
// deno-lint-ignore-file no-explicit-any -- the type parameters default to `any` as apache-arrow's own do
import type * as Arrow from "apache-arrow-package";
import bundle from "./_arrow.js";

const A = bundle as unknown as typeof Arrow;

export const {
  Bool,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Type,
  Utf8,
  vectorFromArray,
} = A;
export type Bool = Arrow.Bool;
export type Data<T extends Arrow.DataType = any> = Arrow.Data<T>;
export type DataType<T extends Arrow.Type = any> = Arrow.DataType<T>;
type Keys = Arrow.Int8 | Arrow.Int16 | Arrow.Int32 | Arrow.Uint8 | Arrow.Uint16 | Arrow.Uint32;
export type Dictionary<T extends Arrow.DataType = any, K extends Keys = Keys> = Arrow.Dictionary<T, K>;
export type Field<T extends Arrow.DataType = any> = Arrow.Field<T>;
export type Float64 = Arrow.Float64;
export type Int32 = Arrow.Int32;
export type Int64 = Arrow.Int64;
export type RecordBatch<T extends Arrow.TypeMap = any> = Arrow.RecordBatch<T>;
export type Schema<T extends Arrow.TypeMap = any> = Arrow.Schema<T>;
export type Struct<T extends Arrow.TypeMap = any> = Arrow.Struct<T>;
export type Table<T extends Arrow.TypeMap = any> = Arrow.Table<T>;
export type TimestampMicrosecond = Arrow.TimestampMicrosecond;
export type TimestampMillisecond = Arrow.TimestampMillisecond;
export type TimestampNanosecond = Arrow.TimestampNanosecond;
export type Type = Arrow.Type;
export type Utf8 = Arrow.Utf8;
export type Vector<T extends Arrow.DataType = any> = Arrow.Vector<T>;
