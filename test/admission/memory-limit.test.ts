// The rendered Deployment's memory limit and the default bound on buffered
// request bodies agree: a Node started with the rendered NODE_OPTIONS reports
// a heap limit whose default maxBufferedBytes, plus the heap limit itself and
// Node's own ~100 MiB, fits the container's memory limit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { defaultMaxBufferedBytes } from '../../src/admission/buffer-budget.js';
import { POD_HEAP_MIB, POD_MEMORY_LIMIT_MIB } from '../../src/istio/render/deployment.js';

const MiB = 1024 * 1024;

describe('the rendered memory limit and the default maxBufferedBytes', () => {
  it('fit together', () => {
    const heapLimit = Number(
      execFileSync(process.execPath, [`--max-old-space-size=${POD_HEAP_MIB}`, '-p', 'require("node:v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8' }),
    );
    const buffered = defaultMaxBufferedBytes(heapLimit);
    const need = heapLimit + buffered + 100 * MiB;
    assert.ok(need <= POD_MEMORY_LIMIT_MIB * MiB, `heap ${heapLimit / MiB} MiB + buffered ${buffered / MiB} MiB + 100 MiB = ${need / MiB} MiB > ${POD_MEMORY_LIMIT_MIB} MiB`);
    assert.ok(buffered >= 64 * MiB, `at least two default-sized (32 MiB) bodies fit: ${buffered / MiB} MiB`);
  });
});
