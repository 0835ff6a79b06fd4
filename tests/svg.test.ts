import assert from "node:assert/strict";
import { lineChart, niceTicks } from "../lib/plot/svg.ts";

Deno.test("niceTicks covers the range with round steps", () => {
  assert.deepEqual(niceTicks(0, 95), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(1, 8, 8), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(niceTicks(5, 5).length >= 2);
});

Deno.test("lineChart draws one marker per point, a dashed reference line, labels and no external references", () => {
  const svg = lineChart({
    title: "Speedup <by> workers",
    xLabel: "workers",
    yLabel: "speedup (×)",
    series: [
      { name: "measured", points: [[1, 1], [2, 1.8], [4, 1.9]] },
      { name: "ideal", points: [[1, 1], [4, 4]], dashed: true },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal(svg.match(/<circle /g)?.length, 3);
  assert.match(svg, /stroke-dasharray="6 4"/);
  assert.match(svg, /Speedup &lt;by&gt; workers/);
  assert.match(svg, />workers</);
  assert.doesNotMatch(svg.replace('xmlns="http://www.w3.org/2000/svg"', ""), /https?:|href=|<script/);
});
