// The Envoy API proto files Warden ships (src/envoy-api/proto) against the
// Envoy the tests run: the envoy binary carries the descriptors of every API
// file it was built with (serialized FileDescriptorProtos). Every field and
// enum value of the vendored messages must be in Envoy 1.40.0's with the same
// number, name and type, so that Warden and Envoy read each other's messages
// the same way; Envoy's newer fields (which Warden neither sends nor reads)
// are allowed. Every file of the tree is checked, the ext_authz files (older,
// from @grpc/grpc-js-xds) and the ext_proc files and the shared ones they
// both import.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { PROTO_DIR } from '../../src/envoy-api/load.js';
import { EXTERNAL_AUTH_PROTO } from '../../src/extauthz/proto.js';
import { EXTERNAL_PROCESSOR_PROTO } from '../../src/extproc/proto.js';
import { ENVOY_BIN } from '../helpers/envoy.js';

interface FieldDesc {
  name: string;
  number: number;
  label?: string;
  type: string;
  typeName?: string;
}
interface MessageDesc {
  name: string;
  field?: FieldDesc[];
  nestedType?: MessageDesc[];
  enumType?: EnumDesc[];
}
interface EnumDesc {
  name: string;
  value: { name: string; number: number }[];
}
interface FileDesc {
  name: string;
  package: string;
  messageType?: MessageDesc[];
  enumType?: EnumDesc[];
}

const FILE_DESCRIPTOR = (descriptor as unknown as { FileDescriptorProto: protobuf.Type }).FileDescriptorProto;

/** The FileDescriptorProto of `name` embedded in the binary: found by its leading name field, read field by field to its end. */
function embedded(bin: Buffer, name: string): FileDesc {
  const needle = Buffer.concat([Buffer.from([0x0a, name.length]), Buffer.from(name)]);
  const at = bin.indexOf(needle);
  assert.ok(at >= 0, `${name} is in the envoy binary`);
  const r = protobuf.Reader.create(bin.subarray(at, at + 1024 * 1024));
  let end = 0;
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    // FileDescriptorProto's fields are 1-14, each a string, a message, a list or a varint.
    if (field < 1 || field > 14 || (wire !== 0 && wire !== 2)) {
      end = start;
      break;
    }
    r.skipType(wire);
    end = r.pos;
  }
  return FILE_DESCRIPTOR.toObject(FILE_DESCRIPTOR.decode(bin.subarray(at, at + end)), { enums: String }) as FileDesc;
}

/**
 * The vendored file's messages and enums, from the text: protobufjs parses it (with its imports) and
 * makes descriptors by package, of which those the file itself declares are kept.
 */
function vendored(name: string): FileDesc {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : `${PROTO_DIR}/${target}`);
  root.loadSync(name, { keepCase: true });
  const set = (root as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto3');
  const files = (descriptor as unknown as { FileDescriptorSet: protobuf.Type }).FileDescriptorSet.toObject(set, { enums: String }) as { file: FileDesc[] };
  const text = readFileSync(`${PROTO_DIR}/${name}`, 'utf8');
  const pkg = /^package ([\w.]+);/m.exec(text)![1]!;
  const found = files.file.find((f) => f.package === pkg);
  assert.ok(found, `package ${pkg} of ${name}`);
  const declared = new Set([...text.matchAll(/^(?:message|enum) (\w+)/gm)].map((m) => m[1]));
  return { ...found, messageType: found.messageType?.filter((m) => declared.has(m.name)), enumType: found.enumType?.filter((e) => declared.has(e.name)) };
}

/** A field's type by its own name: protoc writes `.pkg.Msg`, protobufjs a relative name; a map's entry type by its field. */
function typeName(t: string): string {
  return t.split('.').at(-1)!.replace(/Entry$/, '').replace(/_/g, '').toLowerCase();
}

/** Every vendored field and enum value, as `Message.field = n type` lines, nested types included. */
function lines(f: FileDesc): string[] {
  const out: string[] = [];
  const en = (prefix: string, e: EnumDesc) => e.value.forEach((v) => out.push(`${prefix}${e.name}.${v.name} = ${v.number}`));
  const msg = (prefix: string, m: MessageDesc) => {
    // A map's entry type (protoc: `AttributesEntry`, protobufjs: `Attributes`) is the compiler's own; the map field is compared.
    const f = m.field ?? [];
    if (f.length === 2 && f[0]!.name === 'key' && f[0]!.number === 1 && f[1]!.name === 'value' && f[1]!.number === 2) return;
    for (const fd of f) out.push(`${prefix}${m.name}.${fd.name} = ${fd.number} ${fd.type}${fd.typeName ? ` ${typeName(fd.typeName)}` : ''}`);
    for (const n of m.nestedType ?? []) msg(`${prefix}${m.name}.`, n);
    for (const e of m.enumType ?? []) en(`${prefix}${m.name}.`, e);
  };
  for (const m of f.messageType ?? []) msg('', m);
  for (const e of f.enumType ?? []) en('', e);
  return out;
}

/** Every .proto file of the tree that declares a message or an enum, relative to it. */
function treeFiles(): string[] {
  return (readdirSync(PROTO_DIR, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.proto') && /^(?:message|enum) /m.test(readFileSync(`${PROTO_DIR}/${f}`, 'utf8')))
    .sort();
}

describe('Envoy API protos: the vendored files against Envoy 1.40.0\'s own', () => {
  const bin = readFileSync(ENVOY_BIN);
  const files = treeFiles();

  it('the tree holds both services and what they import', () => {
    for (const f of [EXTERNAL_AUTH_PROTO, 'envoy/service/auth/v3/attribute_context.proto', EXTERNAL_PROCESSOR_PROTO, 'envoy/config/core/v3/base.proto']) {
      assert.ok(files.includes(f), f);
    }
  });

  for (const file of files) {
    it(file, () => {
      const ours = lines(vendored(file));
      const envoys = new Set(lines(embedded(bin, file)));
      assert.ok(ours.length > 0, `read the vendored file (${ours.length} lines)`);
      assert.deepEqual(ours.filter((l) => !envoys.has(l)), [], 'fields Envoy 1.40.0 does not have as the vendored file says');
    });
  }

  it('OkHttpResponse.query_parameters_to_remove is field 8, as Warden sends it and Envoy reads it', () => {
    const line = 'OkHttpResponse.query_parameters_to_remove = 8 TYPE_STRING';
    assert.ok(lines(vendored(EXTERNAL_AUTH_PROTO)).includes(line), 'in the vendored file');
    assert.ok(lines(embedded(bin, EXTERNAL_AUTH_PROTO)).includes(line), 'in Envoy 1.40.0');
  });

  it('the comparison can fail: a field renumbered in the vendored text is caught', () => {
    const ours = lines(vendored(EXTERNAL_PROCESSOR_PROTO));
    const envoys = new Set(lines(embedded(bin, EXTERNAL_PROCESSOR_PROTO)));
    const renumbered = ours.map((l) => l.replace('ProcessingResponse.immediate_response = 7', 'ProcessingResponse.immediate_response = 17'));
    assert.deepEqual(renumbered.filter((l) => !envoys.has(l)), ['ProcessingResponse.immediate_response = 17 TYPE_MESSAGE immediateresponse']);
  });
});
