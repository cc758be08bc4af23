/**
 * DSS OEM access rules (docs/protocol.md §4): which role may create subscriptions of which
 * event type, for which OEM models and properties. Rules come from the accounts' allowed types
 * at start and from `POST /api/v1/oemAccessRules`; subscription creation asks {@link AccessRules.allows}.
 *
 * Matching, since Ayla documents the fields but not the algorithm:
 * - a granting rule (`access_grant: true`) covers a subscription when its role and
 *   subscription_type are the account's role and the requested type, its `oem_model` is `*` or
 *   lists every requested model (a subscription for `*` needs a rule for `*`), and, for datapoint
 *   and datapointack, its `property_name` covers the requested properties the same way;
 * - a revoking rule (`access_grant: false`) of the role and type that overlaps the request
 *   (either side `*`, or a model / property in common) refuses it, whatever grants exist;
 * - `client_type` is recorded but not matched: the simulator checks mobile subscriptions like
 *   cloud ones.
 */
import { EVENT_TYPES, type EventType } from '../nodes/lib/events';
import type { SimulatedAccount } from './accounts';
import { aylaTimestamp, type Clock } from './clock';
import { errorObject, errorsString } from './http-io';

/** The roles a rule may name (Ayla's OEM roles). */
export const ACCESS_RULE_ROLES = ['OEM::Admin', 'OEM::Staff', 'OEM::SupportEngineer', 'OEM::SupportManager'] as const;
/** The client types a rule may name. */
export const ACCESS_RULE_CLIENT_TYPES = ['cloud', 'user_opt_in', 'mobile'] as const;
/** The only role that may create or delete rules. */
const RULE_ADMIN_ROLE = 'OEM::Admin';

/** An `OemAccessRule` as `/api/v1/oemAccessRules` shows it. */
export interface OemAccessRule {
  id: number;
  role: string;
  oem: string;
  oem_model: string;
  property_name: string;
  client_type: string;
  subscription_type: EventType;
  access_grant: boolean;
  created_at: string;
  updated_at: string;
}

/** What a subscription asks for, as far as access rules care. */
export interface AccessRequest {
  subscriptionType: string;
  oemModel: string;
  propertyName: string;
}

function listItems(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** True when the rule's list grants everything the request's list asks for. */
function covers(ruleList: string, requestedList: string): boolean {
  const granted = listItems(ruleList);
  if (granted.length === 0 || granted.includes('*')) return true;
  const requested = listItems(requestedList);
  if (requested.length === 0 || requested.includes('*')) return false;
  return requested.every((item) => granted.includes(item));
}

/** True when the two lists have anything in common (`*` has everything). */
function overlaps(ruleList: string, requestedList: string): boolean {
  const a = listItems(ruleList);
  const b = listItems(requestedList);
  if (a.length === 0 || b.length === 0 || a.includes('*') || b.includes('*')) return true;
  return a.some((item) => b.includes(item));
}

function hasProperty(type: string): boolean {
  return type === 'datapoint' || type === 'datapointack';
}

function textField(fields: Record<string, unknown>, key: string, fallback: string): string {
  const value = fields[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw errorsString(422, `${key} must be a string`);
  return value.trim() === '' ? fallback : value.trim();
}

/** Options for {@link AccessRules}. */
export interface AccessRulesOptions {
  oemId: string;
  /** Each account's allowed types become granting rules of its role (once per role and type). */
  accounts: readonly SimulatedAccount[];
  now: Clock;
}

/** The OEM's access rules. */
export class AccessRules {
  private readonly rules = new Map<number, OemAccessRule>();
  private nextId = 1;

  constructor(private readonly options: AccessRulesOptions) {
    const seen = new Set<string>();
    for (const account of options.accounts) {
      for (const type of account.allowedTypes) {
        const key = `${account.role}/${type}`;
        if (seen.has(key)) continue;
        seen.add(key);
        this.add({ role: account.role, subscription_type: type, oem_model: '*', property_name: '*', client_type: 'cloud', access_grant: true });
      }
    }
  }

  /** Every rule, oldest first. */
  list(): OemAccessRule[] {
    return [...this.rules.values()];
  }

  /** The rule with this id, if any. */
  get(id: number): OemAccessRule | undefined {
    return this.rules.get(id);
  }

  /**
   * Creates a rule from a REST body (wrapped in `OemAccessRule` or flat).
   *
   * @throws HttpError 403 unless the account is an `OEM::Admin`; 422 for an invalid body.
   */
  create(account: SimulatedAccount, body: Record<string, unknown>): OemAccessRule {
    if (account.role !== RULE_ADMIN_ROLE) throw errorObject(403, `Only ${RULE_ADMIN_ROLE} may manage OEM access rules`);
    const wrapped = body.OemAccessRule;
    const fields = wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped) ? (wrapped as Record<string, unknown>) : body;
    const role = textField(fields, 'role', '');
    if (!(ACCESS_RULE_ROLES as readonly string[]).includes(role)) throw errorsString(422, `role must be one of ${ACCESS_RULE_ROLES.join(', ')}`);
    const type = textField(fields, 'subscription_type', '');
    if (!(EVENT_TYPES as readonly string[]).includes(type)) throw errorsString(422, `subscription_type must be one of ${EVENT_TYPES.join(', ')}`);
    const clientType = textField(fields, 'client_type', 'cloud');
    if (!(ACCESS_RULE_CLIENT_TYPES as readonly string[]).includes(clientType)) {
      throw errorsString(422, `client_type must be one of ${ACCESS_RULE_CLIENT_TYPES.join(', ')}`);
    }
    const grant = fields.access_grant ?? true;
    if (typeof grant !== 'boolean') throw errorsString(422, 'access_grant must be true or false');
    return this.add({
      role,
      subscription_type: type as EventType,
      oem_model: textField(fields, 'oem_model', '*'),
      property_name: textField(fields, 'property_name', '*'),
      client_type: clientType,
      access_grant: grant,
    });
  }

  /**
   * Deletes a rule.
   *
   * @returns false when there is no such rule.
   * @throws HttpError 403 unless the account is an `OEM::Admin`.
   */
  delete(account: SimulatedAccount, id: number): boolean {
    if (account.role !== RULE_ADMIN_ROLE) throw errorObject(403, `Only ${RULE_ADMIN_ROLE} may manage OEM access rules`);
    return this.rules.delete(id);
  }

  /** Whether the account's role may create a subscription asking for this (see the file comment). */
  allows(account: SimulatedAccount, request: AccessRequest): boolean {
    const relevant = this.list().filter((rule) => rule.role === account.role && rule.subscription_type === request.subscriptionType);
    const withProperty = hasProperty(request.subscriptionType);
    const revoked = relevant.some(
      (rule) => !rule.access_grant && overlaps(rule.oem_model, request.oemModel) && (!withProperty || overlaps(rule.property_name, request.propertyName)),
    );
    if (revoked) return false;
    return relevant.some(
      (rule) => rule.access_grant && covers(rule.oem_model, request.oemModel) && (!withProperty || covers(rule.property_name, request.propertyName)),
    );
  }

  private add(fields: Omit<OemAccessRule, 'id' | 'oem' | 'created_at' | 'updated_at'>): OemAccessRule {
    const at = aylaTimestamp(this.options.now());
    const rule: OemAccessRule = {
      id: this.nextId++,
      role: fields.role,
      oem: this.options.oemId,
      oem_model: fields.oem_model,
      property_name: fields.property_name,
      client_type: fields.client_type,
      subscription_type: fields.subscription_type,
      access_grant: fields.access_grant,
      created_at: at,
      updated_at: at,
    };
    this.rules.set(rule.id, rule);
    return rule;
  }
}
