/**
 * Resource policies (`addPermission` / `removePermission` / `getPolicy`) and the check an invoke
 * passes when the simulator enforces permissions (LAMBDA_SEMANTICS §6). Identity-based policies
 * are not modelled as documents: a caller says whether its identity policy allows
 * `lambda:InvokeFunction` (`allowedByIdentityPolicy`).
 */
import { AccessDeniedException, InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException } from '../errors.js';
import { display, validationMessage } from './names.js';

export interface PermissionInput {
  FunctionName: string;
  StatementId: string;
  Action: string;
  Principal: string;
  SourceArn?: string;
  SourceAccount?: string;
  Qualifier?: string;
}

/** Who invokes: an IAM principal (role/user ARN or account id) or an AWS service principal. */
export interface Caller {
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
  /** The caller's identity-based policy allows lambda:InvokeFunction on this function. */
  allowedByIdentityPolicy?: boolean;
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

/** The API's pattern for AddPermission's SourceArn (a `*` in it is a wildcard when invokes are checked). */
const SOURCE_ARN = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;

export class PolicyStore {
  readonly #policies = new Map<string, Statement[]>();

  add(functionArn: string, input: PermissionInput): Statement {
    const sid = input.StatementId;
    if (typeof sid !== 'string' || !/^[a-zA-Z0-9-_.]{1,100}$/.test(sid)) {
      throw new InvalidParameterValueException(validationMessage(sid, 'statementId', 'Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)'));
    }
    if (input.Action !== 'lambda:InvokeFunction' && input.Action !== 'lambda:*' && input.Action !== 'lambda:InvokeFunctionUrl') {
      throw new InvalidParameterValueException(validationMessage(input.Action, 'action', 'Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])'));
    }
    if (typeof input.Principal !== 'string' || !/^[^\s]+$/.test(input.Principal)) throw new InvalidParameterValueException(`Principal must be an account id, an ARN, a service principal or *, got '${display(input.Principal)}'`);
    // Conditions are kept in the policy and read on every enforced invoke: strings of the API's patterns only.
    if (input.SourceArn !== undefined && (typeof input.SourceArn !== 'string' || !SOURCE_ARN.test(input.SourceArn))) {
      throw new InvalidParameterValueException(validationMessage(input.SourceArn, 'sourceArn', `Member must satisfy regular expression pattern: ${SOURCE_ARN.source.slice(1, -1)}`));
    }
    if (input.SourceAccount !== undefined && (typeof input.SourceAccount !== 'string' || !/^\d{12}$/.test(input.SourceAccount))) {
      throw new InvalidParameterValueException(validationMessage(input.SourceAccount, 'sourceAccount', 'Member must satisfy regular expression pattern: \\d{12}'));
    }
    const list = this.#policies.get(functionArn) ?? [];
    if (list.some((s) => s.Sid === sid)) {
      throw new ResourceConflictException(`The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const condition: Record<string, Record<string, string>> = {};
    if (input.SourceArn !== undefined) condition['ArnLike'] = { 'AWS:SourceArn': input.SourceArn };
    if (input.SourceAccount !== undefined) condition['StringEquals'] = { 'AWS:SourceAccount': input.SourceAccount };
    const statement: Statement = {
      Sid: sid,
      Effect: 'Allow',
      Principal: input.Principal.endsWith('.amazonaws.com') ? { Service: input.Principal } : { AWS: /^\d{12}$/.test(input.Principal) ? `arn:aws:iam::${input.Principal}:root` : input.Principal },
      Action: input.Action,
      Resource: input.Qualifier === undefined ? functionArn : `${functionArn}:${input.Qualifier}`,
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
    list.push(statement);
    this.#policies.set(functionArn, list);
    return statement;
  }

  /** Removes a statement of the policy of `resource` (the function ARN, or a qualified one). */
  remove(functionArn: string, sid: string, resource = functionArn): void {
    const list = this.#policies.get(functionArn) ?? [];
    if (!list.some((s) => s.Sid === sid && s.Resource === resource)) throw new ResourceNotFoundException(`The statement id (${display(sid)}) is not found`);
    this.#policies.set(functionArn, list.filter((s) => !(s.Sid === sid && s.Resource === resource)));
  }

  /** The policy of `resource`: the function's (unqualified ARN) or a version's or alias's own. */
  policy(functionArn: string, resource = functionArn): string {
    const list = (this.#policies.get(functionArn) ?? []).filter((s) => s.Resource === resource);
    if (list.length === 0) throw new ResourceNotFoundException('The resource you requested does not exist.');
    return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: list });
  }

  forget(functionArn: string): void {
    this.#policies.delete(functionArn);
  }

  /** Throws AccessDeniedException unless `caller` may invoke `invokedArn` (of function `functionArn`). */
  check(functionArn: string, invokedArn: string, caller: Caller): void {
    if (caller.allowedByIdentityPolicy === true) return;
    const allowed = (this.#policies.get(functionArn) ?? []).some((s) => {
      if (s.Action !== 'lambda:InvokeFunction' && s.Action !== 'lambda:*') return false;
      if (s.Resource !== functionArn && s.Resource !== invokedArn && s.Resource !== `${functionArn}:*`) return false;
      const p = 'Service' in s.Principal ? s.Principal.Service : s.Principal.AWS;
      const account = /^arn:aws:iam::(\d{12}):/.exec(caller.principal)?.[1] ?? (/^\d{12}$/.test(caller.principal) ? caller.principal : undefined);
      const principalOk = p === '*' || p === caller.principal || (account !== undefined && p === `arn:aws:iam::${account}:root`);
      if (!principalOk) return false;
      const arnCond = s.Condition?.['ArnLike']?.['AWS:SourceArn'];
      if (arnCond !== undefined && (caller.sourceArn === undefined || !globMatch(arnCond, caller.sourceArn))) return false;
      const accountCond = s.Condition?.['StringEquals']?.['AWS:SourceAccount'];
      if (accountCond !== undefined && caller.sourceAccount !== accountCond) return false;
      return true;
    });
    if (!allowed) {
      throw new AccessDeniedException(
        `User: ${caller.principal} is not authorized to perform: lambda:InvokeFunction on resource: ${invokedArn} because no identity-based policy allows the lambda:InvokeFunction action`,
      );
    }
  }
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}
