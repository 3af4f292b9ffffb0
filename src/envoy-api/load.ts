// Envoy's API proto files, one tree (./proto, see its README) for every front
// door that speaks Envoy's gRPC services (ext_authz, ext_proc): one version of
// each shared file, loaded with the same options by servers and clients.
import { fileURLToPath } from 'node:url';
import { loadSync, type Options } from '@grpc/proto-loader';
import { loadPackageDefinition, type GrpcObject, type ServiceDefinition } from '@grpc/grpc-js';

export const PROTO_DIR = fileURLToPath(new URL('./proto', import.meta.url));

/** Field names in proto-loader's camelCase, int64 as strings, enums by name, which oneof is set. */
export const LOADER_OPTIONS: Options = {
  includeDirs: [PROTO_DIR],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

const services = new Map<string, ServiceDefinition>();

/** The service `name` (fully qualified, e.g. `envoy.service.auth.v3.Authorization`) of `file`, loaded once. */
export function loadService(file: string, name: string): ServiceDefinition {
  let service = services.get(name);
  if (!service) {
    let at: GrpcObject[string] | undefined = loadPackageDefinition(loadSync(file, LOADER_OPTIONS));
    for (const part of name.split('.')) at = (at as GrpcObject | undefined)?.[part];
    const definition = (at as { service?: ServiceDefinition } | undefined)?.service;
    if (!definition) throw new Error(`${file} declares no service ${name}`);
    service = definition;
    services.set(name, service);
  }
  return service;
}
