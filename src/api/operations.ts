/**
 * The Lambda operations lambda-sim implements, in one typed table: each operation's HTTP binding
 * (method, URI template, the query members and body that become its input). The simulator's
 * `send(new XCommand(…))` and the REST layer (wire/rest.ts) both dispatch through it, to the
 * simulator method named after the operation (`CreateFunction` → `createFunction`): the compiler
 * checks that the facade has one for every entry ({@link LambdaApi}), so a new operation is one line
 * here and one method there.
 *
 * A leaf of data and types (the bindings are those of `@aws-sdk/client-lambda`).
 */
import type { Caller } from '../control/permissions.js';
import type { InvokeInput, InvokeOutput } from './invoke.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface OperationBinding {
  readonly method: HttpMethod;
  /** URI template (`{Name}` is a path member); `?Name=Value` selects the route by a query member. */
  readonly path: string;
  /** Query members copied into the input; `Name:int` ones as numbers. */
  readonly query?: readonly string[];
  /** The body: a JSON object of input members, or one whose `ZipFile`s travel as base64 (decoded). */
  readonly body?: 'json' | 'code';
}

const Q = ['Qualifier'] as const;

export const OPERATIONS = {
  Invoke: { method: 'POST', path: '/2015-03-31/functions/{FunctionName}/invocations' },
  // Functions
  CreateFunction: { method: 'POST', path: '/2015-03-31/functions', body: 'code' },
  ListFunctions: { method: 'GET', path: '/2015-03-31/functions', query: ['Marker', 'MaxItems:int', 'FunctionVersion'] },
  GetFunction: { method: 'GET', path: '/2015-03-31/functions/{FunctionName}', query: Q },
  DeleteFunction: { method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}', query: Q },
  GetFunctionConfiguration: { method: 'GET', path: '/2015-03-31/functions/{FunctionName}/configuration', query: Q },
  UpdateFunctionConfiguration: { method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/configuration', query: Q, body: 'json' },
  UpdateFunctionCode: { method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/code', body: 'code' },
  // Versions and aliases
  PublishVersion: { method: 'POST', path: '/2015-03-31/functions/{FunctionName}/versions', query: Q, body: 'json' },
  ListVersionsByFunction: { method: 'GET', path: '/2015-03-31/functions/{FunctionName}/versions', query: ['Marker', 'MaxItems:int'] },
  CreateAlias: { method: 'POST', path: '/2015-03-31/functions/{FunctionName}/aliases', query: Q, body: 'json' },
  ListAliases: { method: 'GET', path: '/2015-03-31/functions/{FunctionName}/aliases', query: ['FunctionVersion', 'Marker', 'MaxItems:int'] },
  GetAlias: { method: 'GET', path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}' },
  UpdateAlias: { method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}', query: Q, body: 'json' },
  DeleteAlias: { method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}' },
  // Concurrency
  PutFunctionConcurrency: { method: 'PUT', path: '/2017-10-31/functions/{FunctionName}/concurrency', query: Q, body: 'json' },
  GetFunctionConcurrency: { method: 'GET', path: '/2019-09-30/functions/{FunctionName}/concurrency' },
  DeleteFunctionConcurrency: { method: 'DELETE', path: '/2017-10-31/functions/{FunctionName}/concurrency' },
  PutProvisionedConcurrencyConfig: { method: 'PUT', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', query: Q, body: 'json' },
  GetProvisionedConcurrencyConfig: { method: 'GET', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', query: Q },
  DeleteProvisionedConcurrencyConfig: { method: 'DELETE', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', query: Q },
  GetAccountSettings: { method: 'GET', path: '/2016-08-19/account-settings' },
  // Permissions
  AddPermission: { method: 'POST', path: '/2015-03-31/functions/{FunctionName}/policy', query: Q, body: 'json' },
  GetPolicy: { method: 'GET', path: '/2015-03-31/functions/{FunctionName}/policy', query: Q },
  RemovePermission: { method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}/policy/{StatementId}', query: ['Qualifier', 'RevisionId'] },
  // Asynchronous invocation
  PutFunctionEventInvokeConfig: { method: 'PUT', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config', query: Q, body: 'json' },
  UpdateFunctionEventInvokeConfig: { method: 'POST', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config', query: Q, body: 'json' },
  GetFunctionEventInvokeConfig: { method: 'GET', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config', query: Q },
  DeleteFunctionEventInvokeConfig: { method: 'DELETE', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config', query: Q },
  ListFunctionEventInvokeConfigs: { method: 'GET', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config/list', query: ['Marker', 'MaxItems:int'] },
  PutFunctionRecursionConfig: { method: 'PUT', path: '/2024-08-31/functions/{FunctionName}/recursion-config', query: Q, body: 'json' },
  GetFunctionRecursionConfig: { method: 'GET', path: '/2024-08-31/functions/{FunctionName}/recursion-config' },
} as const satisfies Record<string, OperationBinding>;

export type OperationName = keyof typeof OPERATIONS;
/** The simulator method an operation dispatches to. */
export type OperationMethod = Uncapitalize<OperationName>;

/**
 * What a surface over the simulator (`send`, the REST layer, the HTTP server) needs of it: a method
 * per operation, Invoke with its caller, and request ids for answers that carry none of their own.
 * `LambdaSimulator` implements it; the wire layer depends on this, not on the facade.
 */
export type LambdaApi = { readonly [K in Exclude<OperationMethod, 'invoke'>]: (input: never) => Promise<unknown> } & {
  invoke(input: InvokeInput, options?: { caller?: Caller | string }): Promise<InvokeOutput>;
};

/** The method of an operation (`CreateFunction` → `createFunction`). */
export function methodOf<N extends OperationName>(operation: N): Uncapitalize<N> {
  return (operation.charAt(0).toLowerCase() + operation.slice(1)) as Uncapitalize<N>;
}

/** The operation an SDK command class names (`InvokeCommand` → `Invoke`); undefined for any other name. */
export function operationOfCommand(commandName: unknown): OperationName | undefined {
  if (typeof commandName !== 'string' || !commandName.endsWith('Command')) return undefined;
  const name = commandName.slice(0, -'Command'.length);
  // Own keys only: 'toString' or 'constructor' must not find Object.prototype's.
  return Object.hasOwn(OPERATIONS, name) ? (name as OperationName) : undefined;
}

/** The SDK command names of the implemented operations, for messages. */
export const COMMAND_NAMES: readonly string[] = Object.keys(OPERATIONS).map((op) => `${op}Command`);

/**
 * Known to the API, not simulated: a clear 501 naming the operation. The list is every operation of
 * @aws-sdk/client-lambda 3.1164 (its HTTP bindings) that lambda-sim does not implement.
 */
export const UNIMPLEMENTED_OPERATIONS: readonly (readonly [HttpMethod, string, string])[] = [
  ['POST', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy', 'AddLayerVersionPermission'],
  ['POST', '/2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint', 'CheckpointDurableExecution'],
  ['POST', '/2025-11-30/capacity-providers', 'CreateCapacityProvider'],
  ['POST', '/2020-04-22/code-signing-configs', 'CreateCodeSigningConfig'],
  ['POST', '/2015-03-31/event-source-mappings', 'CreateEventSourceMapping'],
  ['POST', '/2021-10-31/functions/{FunctionName}/url', 'CreateFunctionUrlConfig'],
  ['DELETE', '/2025-11-30/capacity-providers/{CapacityProviderName}', 'DeleteCapacityProvider'],
  ['DELETE', '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}', 'DeleteCodeSigningConfig'],
  ['DELETE', '/2015-03-31/event-source-mappings/{UUID}', 'DeleteEventSourceMapping'],
  ['DELETE', '/2020-06-30/functions/{FunctionName}/code-signing-config', 'DeleteFunctionCodeSigningConfig'],
  ['DELETE', '/2021-10-31/functions/{FunctionName}/url', 'DeleteFunctionUrlConfig'],
  ['DELETE', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', 'DeleteLayerVersion'],
  ['DELETE', '/2026-07-09/resource-policy/{ResourceArn}', 'DeleteResourcePolicy'],
  ['GET', '/2025-11-30/capacity-providers/{CapacityProviderName}', 'GetCapacityProvider'],
  ['GET', '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}', 'GetCodeSigningConfig'],
  ['GET', '/2025-12-01/durable-executions/{DurableExecutionArn}', 'GetDurableExecution'],
  ['GET', '/2025-12-01/durable-executions/{DurableExecutionArn}/history', 'GetDurableExecutionHistory'],
  ['GET', '/2025-12-01/durable-executions/{DurableExecutionArn}/state', 'GetDurableExecutionState'],
  ['GET', '/2015-03-31/event-source-mappings/{UUID}', 'GetEventSourceMapping'],
  ['GET', '/2020-06-30/functions/{FunctionName}/code-signing-config', 'GetFunctionCodeSigningConfig'],
  ['GET', '/2025-11-30/functions/{FunctionName}/function-scaling-config', 'GetFunctionScalingConfig'],
  ['GET', '/2021-10-31/functions/{FunctionName}/url', 'GetFunctionUrlConfig'],
  ['GET', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', 'GetLayerVersion'],
  ['GET', '/2018-10-31/layers?find=LayerVersion', 'GetLayerVersionByArn'],
  ['GET', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy', 'GetLayerVersionPolicy'],
  ['GET', '/2026-07-09/resource-policy/{ResourceArn}', 'GetResourcePolicy'],
  ['GET', '/2021-07-20/functions/{FunctionName}/runtime-management-config', 'GetRuntimeManagementConfig'],
  ['POST', '/2014-11-13/functions/{FunctionName}/invoke-async', 'InvokeAsync'],
  ['POST', '/2021-11-15/functions/{FunctionName}/response-streaming-invocations', 'InvokeWithResponseStream'],
  ['GET', '/2025-11-30/capacity-providers', 'ListCapacityProviders'],
  ['GET', '/2020-04-22/code-signing-configs', 'ListCodeSigningConfigs'],
  ['GET', '/2025-12-01/functions/{FunctionName}/durable-executions', 'ListDurableExecutionsByFunction'],
  ['GET', '/2015-03-31/event-source-mappings', 'ListEventSourceMappings'],
  ['GET', '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions', 'ListFunctionsByCodeSigningConfig'],
  ['GET', '/2021-10-31/functions/{FunctionName}/urls', 'ListFunctionUrlConfigs'],
  ['GET', '/2025-11-30/capacity-providers/{CapacityProviderName}/function-versions', 'ListFunctionVersionsByCapacityProvider'],
  ['GET', '/2018-10-31/layers', 'ListLayers'],
  ['GET', '/2018-10-31/layers/{LayerName}/versions', 'ListLayerVersions'],
  ['GET', '/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL', 'ListProvisionedConcurrencyConfigs'],
  ['GET', '/2017-03-31/tags/{Resource}', 'ListTags'],
  ['POST', '/2018-10-31/layers/{LayerName}/versions', 'PublishLayerVersion'],
  ['PUT', '/2020-06-30/functions/{FunctionName}/code-signing-config', 'PutFunctionCodeSigningConfig'],
  ['PUT', '/2025-11-30/functions/{FunctionName}/function-scaling-config', 'PutFunctionScalingConfig'],
  ['PUT', '/2026-07-09/resource-policy/{ResourceArn}', 'PutResourcePolicy'],
  ['PUT', '/2021-07-20/functions/{FunctionName}/runtime-management-config', 'PutRuntimeManagementConfig'],
  ['DELETE', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}', 'RemoveLayerVersionPermission'],
  ['POST', '/2025-12-01/durable-execution-callbacks/{CallbackId}/fail', 'SendDurableExecutionCallbackFailure'],
  ['POST', '/2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat', 'SendDurableExecutionCallbackHeartbeat'],
  ['POST', '/2025-12-01/durable-execution-callbacks/{CallbackId}/succeed', 'SendDurableExecutionCallbackSuccess'],
  ['POST', '/2025-12-01/durable-executions/{DurableExecutionArn}/stop', 'StopDurableExecution'],
  ['POST', '/2017-03-31/tags/{Resource}', 'TagResource'],
  ['DELETE', '/2017-03-31/tags/{Resource}', 'UntagResource'],
  ['PUT', '/2025-11-30/capacity-providers/{CapacityProviderName}', 'UpdateCapacityProvider'],
  ['PUT', '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}', 'UpdateCodeSigningConfig'],
  ['PUT', '/2015-03-31/event-source-mappings/{UUID}', 'UpdateEventSourceMapping'],
  ['PUT', '/2021-10-31/functions/{FunctionName}/url', 'UpdateFunctionUrlConfig'],
];
