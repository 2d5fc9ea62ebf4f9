// Where else a label is named besides conversations: macros' label actions, automation rules' addLabels actions and
// saved inbox views' label filters. An admin's rename or removal of a label everywhere (conversation-labels.ts) rewrites
// these in the same transaction, or the next macro or rule would bring the old label back and a saved view filtering on
// it would go empty.
import type { Tx } from '../db/client.ts';
import { labelKey } from './conversation-labels.ts';

/** How many saved things changed, and whose: the team's (every console reloads) and which agents' own. */
export interface OwnersChanged { count: number; team: boolean; owners: number[] }

export interface LabelReferencesChanged {
  macros: OwnersChanged;
  views: OwnersChanged;
  rules: number;
}

/** A label list after the change: `from` becomes `to` (kept once, where it first stood), or goes when `to` is null. */
function relabelled(labels: readonly string[], from: string, to: string | null): string[] {
  const out: string[] = [];
  for (const label of labels) {
    const next = labelKey(label) === from ? to : label;
    if (next !== null && !out.includes(next)) out.push(next);
  }
  return out;
}

/**
 * Actions after the change. An action whose every label went is dropped (an empty list is not a valid action); the
 * result may be empty, which the caller handles.
 */
function relabelledActions<A extends { labels?: string[] }>(actions: readonly A[], from: string, to: string | null): A[] {
  return actions.flatMap((action) => {
    if (!Array.isArray(action.labels)) return [action];
    const labels = relabelled(action.labels, from, to);
    return labels.length ? [{ ...action, labels }] : [];
  });
}

/**
 * Rewrites the label actions of every row of `table` naming the label (macros and automation rules keep their actions
 * alike: a JSON list whose label actions carry `labels`), locking them first; a row left with no action is deleted.
 * Returns the rows it changed (their owner, for macros).
 */
async function relabelActionsIn(tx: Tx, table: 'macros' | 'automation_rules', from: string, to: string | null): Promise<{ id: number; owner_id: number | null }[]> {
  const owner = table === 'macros' ? tx`owner_id` : tx`null::bigint as owner_id`;
  const rows = await tx<{ id: number; owner_id: number | null; actions: { labels?: string[] }[] }[]>`
    select id, ${owner}, actions from ${tx(table)} where actions @> ${tx.json([{ labels: [from] }])} for update`;
  for (const row of rows) {
    const actions = relabelledActions(row.actions, from, to);
    if (actions.length) await tx`update ${tx(table)} set actions = ${tx.json(actions)}, updated_at = now() where id = ${row.id}`;
    else await tx`delete from ${tx(table)} where id = ${row.id}`;
  }
  return rows;
}

function noteOwner(changed: OwnersChanged, ownerId: number | null): void {
  changed.count += 1;
  if (ownerId === null) changed.team = true;
  else if (!changed.owners.includes(ownerId)) changed.owners.push(ownerId);
}

/**
 * Renames `from` to `to` (both stored spellings), or removes it when `to` is null, in macros, automation rules and inbox
 * views; bumps updated_at of each changed row. Run inside the rename's transaction (`tx`), after its labels lock.
 * On removal, a macro or rule left with no action is deleted (it could only have put the removed label back), while a
 * view left with no label keeps its filter (dropping it would widen the view to every chat; it now lists none).
 */
export async function relabelReferences(tx: Tx, from: string, to: string | null): Promise<LabelReferencesChanged> {
  const changed: LabelReferencesChanged = { macros: { count: 0, team: false, owners: [] }, views: { count: 0, team: false, owners: [] }, rules: 0 };
  const macros = await relabelActionsIn(tx, 'macros', from, to);
  for (const macro of macros) noteOwner(changed.macros, macro.owner_id);
  changed.rules = (await relabelActionsIn(tx, 'automation_rules', from, to)).length;

  const views = await tx<{ id: number; owner_id: number | null; filters: { labels?: string[] } }[]>`
    select id, owner_id, filters from inbox_views where filters @> ${tx.json({ labels: [from] })} for update`;
  for (const view of views) {
    const labels = relabelled(view.filters.labels ?? [], from, to);
    if (!labels.length) continue;
    await tx`update inbox_views set filters = ${tx.json({ ...view.filters, labels })}, updated_at = now() where id = ${view.id}`;
    noteOwner(changed.views, view.owner_id);
  }
  return changed;
}
