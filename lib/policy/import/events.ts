import { RETENTION_EVENTS } from '../../model';

/** An event that ends retention: one of the inventory's four, or one the rule file declares. */
export interface FoundEvent {
  /** The inventory's `events` key, e.g. `accountDeletedAt` or a declared `domainExpiredAt`. */
  name: string;
  /** For a declared event: its name for people ("domain expiry"). */
  declared?: string;
  /** Not said but implied: account deletion ends the use of the service. */
  implied?: boolean;
  index: number;
  /** The document's words for it (empty for an implied event). */
  words: string;
  /** Whose account, where the words name someone other than the customer ("the agent account"). */
  otherAccount?: string;
}

/** An account that is not the customer's: its deletion is no `accountDeletedAt` of the inventory. */
const OTHER_ACCOUNT = /\b(agent|employee|staff|operator|member|sub-?|child|guest|end[- ]users?|driver|player|student|seat|device|participant|visitor)[’'s]*\s+accounts?\b/i;

type BuiltIn = (typeof RETENTION_EVENTS)[number];

/** The four events of the inventory, as the documents word them. */
const BUILT_IN: readonly { name: BuiltIn; pattern: RegExp | RegExp[] }[] = [
  {
    name: 'accountDeletedAt',
    // Most specific first: "deleted within 7 days after your request and within 30 days after account closure" is about account closure.
    pattern: [
      /\baccount (?:deletion|closure|deactivation|cancellation|termination|removal)\b|\baccount (?:is|has been|was|gets) (?:deleted|closed|deactivated|terminated|cancell?ed)\b|\bas long as (?:the |your )?(?:user )?account (?:exists|is active|remains)/i,
      /\b(?:delet|clos|deactivat|cancel|terminat|remov)\w*\b(?:(?!\b(?:within|after|days?|weeks?|months?|years?|and|or|upon)\b)[^.;,]){0,50}?\baccount\b/i,
    ],
  },
  {
    name: 'serviceTerminatedAt',
    pattern:
      /\blife ?time of (?:the |your |our )?(?:service|feature|product|subscription)s?\b|\bas long as you (?:use|are using|subscribe|keep using)\b|\b(?:while|during the time) you (?:use|are using)\b|\b(?:end|termination|expiry|expiration|cancellation|discontinuation) of (?:the |your |our )?(?:subscription|service|feature|product|use)s?\b|\buse of (?:the |our )?(?:feature|service|product)s? (?:is terminated|ends|is ended|is discontinued|stops)\b|\b(?:subscription|service) (?:ends|expires|is terminated|is cancell?ed|is discontinued|terminates)\b|\bstop(?:s|ped)? using\b|\bunsubscribe|\bcancel (?:your|the) subscription\b|\b(?:terminat|cancel|discontinu)\w* (?:the |your |our )?(?:feature|service|subscription|product)s?\b/i,
  },
  {
    name: 'deletionRequestedAt',
    pattern:
      /\b(?:deletion|erasure) request|\brequest(?:s|ed)? (?:for |the )?(?:deletion|erasure)\b|\brequest(?:s|ed)? (?:that )?(?:we|us to) (?:delete|erase)\b|\bask(?:s|ed)? us to (?:delete|erase)\b|\brequest to (?:delete|erase)\b|\b(?:upon|on|at) (?:your |the customer[’']s |the user[’']s |a |written )?request\b/i,
  },
  {
    name: 'consentWithdrawnAt',
    pattern: /\b(?:withdraw(?:s|n|al of)?|revoke[sd]?|revocation of) (?:your |their |the )?consent\b|\bconsent (?:is|has been) (?:withdrawn|revoked)\b/i,
  },
];

/** "the domain expires", "expiry of the domain registration": a declared `<noun>ExpiredAt`. */
function expiryEvent(match: RegExpExecArray): { name: string; declared: string } | null {
  const words = (match[1] ?? '').toLowerCase().split(' ');
  const generic = /^(subscription|service|feature|features|account|consent|period|retention|contract|agreement|data|it|this|which|the|your|its|our|of|an?)$/;
  if (words.some((word) => generic.test(word))) return null;
  const camel = words.map((word, index) => (index === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join('');
  return { name: `${camel}ExpiredAt`, declared: `${words.join(' ')} expiry` };
}

/** Events the four do not cover, declared by the rule file (`events` of the inventory items). */
const DECLARED: readonly { pattern: RegExp; event: (match: RegExpExecArray) => { name: string; declared: string } | null }[] = [
  {
    pattern:
      /\b(?:end|termination|expiry|expiration|duration|term) of (?:the |your |our |its )?(?:[a-z]+ )?(?:contract|agreement)\b|\b(?:contract|agreement) (?:ends|terminates|expires|is terminated|has ended|ending)\b/i,
    event: () => ({ name: 'contractEndedAt', declared: 'end of the contract' }),
  },
  ...[
    /\b(?:expiry|expiration|lapse) of (?:the |your |its )?([a-z]+(?: [a-z]+)?)\b/i,
    /\b([a-z]+)(?:'s|’s)? (?:expiry|expiration|expires|lapses|has expired)\b/i,
  ].map((pattern) => ({ pattern, event: expiryEvent })),
];

/**
 * The events a retention statement names, in the order they appear. Where the
 * text ends retention with the end of the service ("as long as you use the
 * Feature"), account deletion is implied too: a deleted account uses nothing.
 *
 * @example
 * findEvents('within 30 days upon account deletion or the customer’s deletion request').map((event) => event.name)
 * // ['accountDeletedAt', 'deletionRequestedAt']
 */
export function findEvents(text: string): FoundEvent[] {
  const found: FoundEvent[] = [];
  for (const { name, pattern } of BUILT_IN) {
    const match = [pattern].flat().reduce<RegExpExecArray | null>((found, next) => found ?? next.exec(text), null);
    if (!match) continue;
    const other = name === 'accountDeletedAt' ? OTHER_ACCOUNT.exec(text.slice(Math.max(0, match.index - 25), match.index + match[0].length)) : null;
    found.push({ name, index: match.index, words: match[0], ...(other ? { otherAccount: other[0] } : {}) });
  }
  for (const { pattern, event } of DECLARED) {
    for (const match of text.matchAll(new RegExp(pattern.source, 'gi'))) {
      const declared = event(match as RegExpExecArray);
      if (!declared) continue;
      if (!found.some((other) => other.name === declared.name)) found.push({ ...declared, index: match.index, words: match[0] });
      break;
    }
  }
  found.sort((a, b) => a.index - b.index);
  if (found.some((event) => event.name === 'serviceTerminatedAt') && !found.some((event) => event.name === 'accountDeletedAt')) {
    found.push({ name: 'accountDeletedAt', implied: true, index: text.length, words: '' });
  }
  return found;
}

const EVENT_WORDS: Record<string, string> = {
  accountDeletedAt: 'account deletion',
  serviceTerminatedAt: 'service end',
  deletionRequestedAt: 'deletion request',
  consentWithdrawnAt: 'consent withdrawal',
};

/** An event in words ("account deletion", a declared "domain expiry"). */
export function eventWords(event: FoundEvent): string {
  return event.declared ?? EVENT_WORDS[event.name] ?? event.name;
}

/** Events in words: "account deletion, service end or deletion request". */
export function listEventWords(events: readonly FoundEvent[]): string {
  const words = events.map(eventWords);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** Whether an event name is one of the inventory's four. */
export function isBuiltInEvent(name: string): boolean {
  return (RETENTION_EVENTS as readonly string[]).includes(name);
}
