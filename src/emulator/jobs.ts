// Training resources (customJobs, pipelineJobs, hyperparameterTuningJobs),
// in memory. Jobs never run: they stay pending until cancelled or deleted,
// which is all a gateway needs to see.

import type { ServerResponse } from 'node:http';
import { randomBytes, randomInt } from 'node:crypto';
import { sendJson, sendRpcError } from './http.js';

export type JobKind = 'customJobs' | 'pipelineJobs' | 'hyperparameterTuningJobs' | 'batchPredictionJobs';
export const JOB_KINDS: readonly JobKind[] = ['customJobs', 'pipelineJobs', 'hyperparameterTuningJobs', 'batchPredictionJobs'];

type JobPhase = 'PENDING' | 'CANCELLED';

// google.cloud.aiplatform.v1.JobState / PipelineState numbers, for enum-encoding=int.
const STATE_NUMBER: Record<JobPhase, number> = { PENDING: 2, CANCELLED: 7 };

interface StoredJob {
  kind: JobKind;
  phase: JobPhase;
  resource: Record<string, unknown>;
}

// Output-only fields a caller may not set.
const OUTPUT_ONLY = ['name', 'state', 'createTime', 'updateTime', 'startTime', 'endTime', 'error'];

function stateName(kind: JobKind, phase: JobPhase): string {
  return `${kind === 'pipelineJobs' ? 'PIPELINE_STATE' : 'JOB_STATE'}_${phase}`;
}

function newId(): string {
  return `${randomInt(1, 10)}${Array.from({ length: 18 }, () => randomInt(0, 10)).join('')}`;
}

export class JobStore {
  private readonly jobs = new Map<string, StoredJob>();

  private render(job: StoredJob, enumInt: boolean): Record<string, unknown> {
    return { ...job.resource, state: enumInt ? STATE_NUMBER[job.phase] : stateName(job.kind, job.phase) };
  }

  create(res: ServerResponse, parent: string, kind: JobKind, body: Record<string, unknown>, requestedId: string | null, enumInt: boolean): void {
    if (kind !== 'pipelineJobs' && (typeof body.displayName !== 'string' || !body.displayName)) {
      sendRpcError(res, 'INVALID_ARGUMENT', 'List of found errors:\t1.Field: display_name; Message: Required field is not set.');
      return;
    }
    if (requestedId !== null && !/^[a-z0-9][a-z0-9-]{0,127}$/.test(requestedId)) {
      sendRpcError(res, 'INVALID_ARGUMENT', `Invalid job id: ${requestedId}`);
      return;
    }
    const id = requestedId ?? newId();
    const name = `${parent}/${kind}/${id}`;
    if (this.jobs.has(name)) {
      sendRpcError(res, 'INVALID_ARGUMENT', `${kind} ${name} already exists.`);
      return;
    }
    const now = new Date().toISOString();
    const resource: Record<string, unknown> = { ...body };
    for (const k of OUTPUT_ONLY) delete resource[k];
    Object.assign(resource, { name, createTime: now, updateTime: now });
    const job: StoredJob = { kind, phase: 'PENDING', resource };
    this.jobs.set(name, job);
    sendJson(res, 200, this.render(job, enumInt));
  }

  get(res: ServerResponse, name: string, enumInt: boolean): void {
    const job = this.jobs.get(name);
    if (!job) {
      sendRpcError(res, 'NOT_FOUND', `The resource '${name}' was not found.`);
      return;
    }
    sendJson(res, 200, this.render(job, enumInt));
  }

  list(res: ServerResponse, parent: string, kind: JobKind, enumInt: boolean): void {
    const prefix = `${parent}/${kind}/`;
    const items: Record<string, unknown>[] = [];
    for (const [name, job] of this.jobs) if (name.startsWith(prefix)) items.push(this.render(job, enumInt));
    // Newest first, as Vertex lists them.
    items.reverse();
    sendJson(res, 200, { [kind]: items });
  }

  cancel(res: ServerResponse, name: string): void {
    const job = this.jobs.get(name);
    if (!job) {
      sendRpcError(res, 'NOT_FOUND', `The resource '${name}' was not found.`);
      return;
    }
    if (job.phase === 'CANCELLED') {
      sendRpcError(res, 'FAILED_PRECONDITION', `Cannot cancel ${name} because it is already in state ${stateName(job.kind, job.phase)}.`);
      return;
    }
    const now = new Date().toISOString();
    job.phase = 'CANCELLED';
    Object.assign(job.resource, { updateTime: now, endTime: now });
    sendJson(res, 200, {});
  }

  /** DELETE answers a long-running Operation, already done. */
  delete(res: ServerResponse, name: string): void {
    if (!this.jobs.delete(name)) {
      sendRpcError(res, 'NOT_FOUND', `The resource '${name}' was not found.`);
      return;
    }
    sendJson(res, 200, {
      name: `${name}/operations/${randomBytes(8).readBigUInt64BE().toString()}`,
      metadata: {
        '@type': 'type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata',
        genericMetadata: { createTime: new Date().toISOString(), updateTime: new Date().toISOString() },
      },
      done: true,
      response: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
    });
  }
}
