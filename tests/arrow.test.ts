import assert from "node:assert/strict";
import * as Arrow from "../lib/_arrow.ts";

Deno.test("apache-arrow's single-file build gives every name outcore imports, working", () => {
  // A name missing from the build would destructure to undefined without a type error.
  for (const [name, value] of Object.entries(Arrow)) assert.notEqual(value, undefined, name);
  const batch = new Arrow.RecordBatch({
    x: Arrow.makeData({ type: new Arrow.Float64(), length: 3, data: new Float64Array([1, 2.5, -0]) }),
  });
  const table = Arrow.tableFromIPC(Arrow.tableToIPC(new Arrow.Table(batch), "stream"));
  assert.deepEqual([...table.getChild("x")!.toArray()], [1, 2.5, -0]);
  assert.equal(table.schema.fields[0].type.typeId, Arrow.Type.Float);
});
