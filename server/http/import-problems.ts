// An import file (articles, intents) refused in words a shop admin can act on: every bad row at once (up to a cap),
// 1-based and named by its slug or intent name, each problem a phrase about a field of the file, instead of the
// validator's first schema error ("body/articles/1/locale must be equal to constant"). The rule stays the route's
// own row schema: each row is checked against it again with every error, and against the rows before it (a repeat).
import { Ajv, type ErrorObject } from 'ajv';
import type { TSchema } from 'typebox';
import { worded, badRequest, type AppError } from '../errors.ts';

/** One thing wrong with one row of an import file (a row may have several), as the 400's `problems` list carries it. */
export interface ImportProblem {
  /** The row's position in the file's list, from 1. */
  row: number;
  /** Its slug or intent name, when the row has one as text. */
  name: string | null;
  /** The field of the row, as the file names it ("locale", "examples.en.3"); null for the row itself. */
  field: string | null;
  /** Which rule it breaks, for wording it in another language: unknown_field, missing, one_of, format, too_long, empty, too_many, type, duplicate, invalid. */
  rule: string;
  /** What the rule allows, where it says: the values ("en, zh"), the limit ("200"), the format ("slug"), the type, the other row ("3"). */
  expected?: string;
  /** The problem in English ("locale must be en or zh"). */
  problem: string;
}

/** At most this many bad rows are listed; the rest are counted. */
export const MAX_LISTED_ROWS = 50;
/** A row's name is shown up to this many characters. */
const MAX_NAME = 100;

/** The patterns the knowledge-base schemas use, by the format a person knows them as. */
const FORMATS: Record<string, { name: string; words: string }> = {
  '^[a-z0-9][a-z0-9-]{0,99}$': { name: 'slug', words: 'must be lower-case letters, digits and dashes (not starting with a dash), at most 100' },
  '^[a-z0-9_]{1,60}$': { name: 'intent_name', words: 'must be lower-case letters, digits and underscores, at most 60' },
};

const TYPE_WORDS: Record<string, string> = { string: 'text', number: 'a number', integer: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object', null: 'null' };

// Its own validator: every error (the app's stops at the first), each with the value that failed (verbose), to say how long it is.
const checker = new Ajv({ allErrors: true, verbose: true, strict: false });

const fieldOf = (path: string) => path.split('/').slice(1).join('.') || null;
const quoted = (values: unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));

/** The problems of one row: the validator's errors, read together per field (a union's alternatives say one thing). */
function rowProblems(errors: ErrorObject[], row: unknown): Omit<ImportProblem, 'row' | 'name'>[] {
  const out: Omit<ImportProblem, 'row' | 'name'>[] = [];
  const byField = new Map<string, ErrorObject[]>();
  // A Nullable field that is wrong also fails its null branch: "answer must be null" is noise beside what is wrong
  // with it (or inside it), so that branch's error is dropped wherever another error says more.
  const isNullBranch = (e: ErrorObject) => e.keyword === 'type' && (e.params as { type: string }).type === 'null'
    && errors.some((other) => other !== e && other.keyword !== 'anyOf' && (other.instancePath === e.instancePath || other.instancePath.startsWith(`${e.instancePath}/`)));
  for (const error of errors.filter((e) => !isNullBranch(e))) {
    const field = error.keyword === 'additionalProperties' ? `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`
      : error.keyword === 'required' ? `${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}` : error.instancePath;
    byField.set(field, [...(byField.get(field) ?? []), error]);
  }
  for (const [path, group] of byField) {
    const field = fieldOf(path);
    const label = field ?? 'the row';
    const first = group[0];
    const allowed = group.filter((e) => e.keyword === 'const').map((e) => (e.params as { allowedValue: unknown }).allowedValue);
    if (first.keyword === 'additionalProperties') {
      out.push({ field, rule: 'unknown_field', problem: `unknown field "${field}"` });
    } else if (first.keyword === 'required') {
      out.push({ field, rule: 'missing', problem: `${label} is missing` });
    } else if (allowed.length) {
      // A Nullable union also fails its null branch: null is allowed too, though the admin rarely means it.
      const values = quoted(allowed);
      const orNull = errors.some((e) => e.instancePath === first.instancePath && e.keyword === 'type' && (e.params as { type: string }).type === 'null');
      const words = values.length === 1 ? values[0] : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
      out.push({ field, rule: 'one_of', expected: values.join(', '), problem: `${label} must be ${words}${orNull ? ' (or null)' : ''}` });
    } else {
      for (const error of group.filter((e) => e.keyword !== 'anyOf')) out.push({ field, ...ruleOf(error, label) });
    }
  }
  // In the order of the row's own fields, as the admin reads the file; a missing one after them.
  const order = row && typeof row === 'object' ? Object.keys(row) : [];
  const place = (p: { field: string | null }) => { const at = order.indexOf(p.field?.split('.')[0] ?? ''); return at < 0 ? order.length : at; };
  return out.sort((a, b) => place(a) - place(b));
}

/** One error that is not about a field's presence or its allowed values, as a rule and a phrase. */
function ruleOf(error: ErrorObject, label: string): Omit<ImportProblem, 'row' | 'name' | 'field'> {
  const limit = String(Object.values(error.params)[0]);
  switch (error.keyword) {
    case 'pattern': {
      const format = FORMATS[(error.params as { pattern: string }).pattern];
      return format ? { rule: 'format', expected: format.name, problem: `${label} ${format.words}` } : { rule: 'format', problem: `${label} does not have the right form` };
    }
    case 'maxLength': return { rule: 'too_long', expected: limit, problem: `${label} is longer than ${limit} characters (it has ${String(error.data).length})` };
    case 'minLength': return { rule: 'empty', expected: limit, problem: `${label} is empty` };
    case 'maxItems': return { rule: 'too_many', expected: limit, problem: `${label} has more than ${limit} items (it has ${(error.data as unknown[]).length})` };
    case 'type': {
      const type = String((error.params as { type: string }).type).split(',')[0];
      return { rule: 'type', expected: type, problem: `${label} must be ${TYPE_WORDS[type] ?? type}` };
    }
    default: return { rule: 'invalid', problem: `${label} ${error.message ?? 'is not valid'}` };
  }
}

/**
 * The checker of one import route's rows: `item` is the schema of one row, `kind` how a row is called ("Article"),
 * `nameOf` what names it (slug, intent name), `keyOf` what two rows must not share (a duplicate is a problem too; null
 * where the row lacks it) and `sameKey` that in words ("the same slug and locale").
 */
export function importRowChecker(options: {
  item: TSchema; kind: string; nameOf(row: Record<string, unknown>): unknown; keyOf(row: Record<string, unknown>): string | null; sameKey: string;
}) {
  const validate = checker.compile(options.item);
  return {
    /** Every problem of `rows`, row by row in the file's order. */
    problems(rows: unknown[]): ImportProblem[] {
      const out: ImportProblem[] = [];
      const firstRowOf = new Map<string, number>();
      rows.forEach((row, index) => {
        const fields = row && typeof row === 'object' && !Array.isArray(row) ? row as Record<string, unknown> : {};
        const rawName = options.nameOf(fields);
        // A slug that is a whole paragraph by mistake is named by its start.
        const named = { row: index + 1, name: typeof rawName === 'string' && rawName ? (rawName.length > MAX_NAME ? `${rawName.slice(0, MAX_NAME)}…` : rawName) : null };
        if (!validate(row)) out.push(...rowProblems(validate.errors ?? [], row).map((p) => ({ ...named, ...p })));
        // A row that is wrong otherwise can repeat another all the same: said now rather than after its fix.
        const key = options.keyOf(fields);
        const earlier = key === null ? undefined : firstRowOf.get(key);
        if (key !== null && earlier === undefined) firstRowOf.set(key, index + 1);
        else if (earlier !== undefined) out.push({ ...named, field: null, rule: 'duplicate', expected: String(earlier), problem: `repeats ${options.kind.toLowerCase()} ${earlier} (${options.sameKey})` });
      });
      return out;
    },
    /** The 400 for `problems` (none: null): code "validation" as before, reason "import_rows", the list capped by rows. */
    refusal(problems: ImportProblem[], total: number): AppError | null {
      if (!problems.length) return null;
      const rows = [...new Set(problems.map((p) => p.row))];
      const listed = problems.filter((p) => p.row <= rows[Math.min(rows.length, MAX_LISTED_ROWS) - 1]);
      const more = rows.length - Math.min(rows.length, MAX_LISTED_ROWS);
      const lines = rows.slice(0, MAX_LISTED_ROWS).map((row) => {
        const own = listed.filter((p) => p.row === row);
        return `${options.kind} ${row}${own[0].name ? ` (${own[0].name})` : ''}: ${own.map((p) => p.problem).join('; ')}.`;
      });
      const head = `${rows.length} of the file's ${total} ${options.kind.toLowerCase()}${total === 1 ? '' : 's'} ${rows.length === 1 ? 'needs' : 'need'} fixing; nothing was imported.`;
      const error = worded(badRequest([head, ...lines, ...(more ? [`…and ${more} more.`] : [])].join(' ')), 'import_rows',
        { rows: String(rows.length), more: String(more) });
      error.problems = listed;
      return error;
    },
  };
}
