import React from 'react';
import { LongyunError } from '../../topology/errors.js';
import { openAddressPlan, allocateLedger } from '../../topology/ipam/ledger-store.js';
import type { Allocation } from '../../topology/ipam/ledger.js';
import { ALLOCATION_LEVELS } from '../../topology/ipam/requirements.js';
import { loadEstate } from '../../topology/load.js';
import { formatPrefix } from '../../topology/prefix.js';
import { didYouMean } from '../../topology/suggest.js';
import { EXIT, relativeToCwd } from '../common.js';
import { printJson, printView } from '../render.js';
import { pct } from '../format.js';

interface Base {
  estate: string;
  output: 'table' | 'json';
}

const COLUMNS = [{ header: 'PLANE' }, { header: 'FAMILY' }, { header: 'OWNER' }, { header: 'LEVEL' }, { header: 'PREFIX' }, { header: 'PARENT' }];
const row = (a: Allocation) => [a.plane, a.family, a.owner, a.level, a.prefix, a.parent ?? '-'];

async function table(columns: Array<{ header: string; align?: 'left' | 'right' }>, rows: string[][], title?: string): Promise<void> {
  const { Table } = await import('../views/Table.js');
  const { Box, Text } = await import('ink');
  await printView(() =>
    React.createElement(
      Box,
      { flexDirection: 'column' },
      title ? React.createElement(Text, { bold: true }, title) : null,
      React.createElement(Table, { columns, rows }),
    ),
  );
}

export async function allocateCommand(opts: Base & { prune?: boolean; dryRun?: boolean }): Promise<number> {
  const estate = loadEstate(opts.estate);
  const r = await allocateLedger(estate, { prune: opts.prune ?? false, dryRun: opts.dryRun ?? false });
  const ledger = relativeToCwd(r.ledgerPath);
  if (opts.output === 'json') {
    printJson({ ledger, written: r.written, total: r.plan.allocations().length, added: r.added, released: r.released });
    return EXIT.OK;
  }
  const verb = opts.dryRun ? 'would be' : 'were';
  const head =
    r.added.length + r.released.length === 0
      ? `${ledger}: up to date, ${r.plan.allocations().length} allocations`
      : `${ledger}: ${r.added.length} allocation${r.added.length === 1 ? '' : 's'} ${verb} added, ${r.released.length} ${verb} released` +
        `${r.written ? ' (written)' : opts.dryRun ? ' (dry run, nothing written)' : ''}; ${r.plan.allocations().length} in all`;
  const changes = [...r.added.map((a) => ['+', ...row(a)]), ...r.released.map((a) => ['-', ...row(a)])];
  const shown = changes.slice(0, 50);
  if (shown.length === 0) {
    process.stdout.write(`${head}\n`);
  } else {
    await table([{ header: '' }, ...COLUMNS], shown, head);
    if (changes.length > shown.length) process.stdout.write(`… and ${changes.length - shown.length} more (use --output json for all)\n`);
  }
  return EXIT.OK;
}

export async function showCommand(unit: string | undefined, opts: Base & { plane?: string; family?: 'ipv6' | 'ipv4' }): Promise<number> {
  const estate = loadEstate(opts.estate);
  const plan = openAddressPlan(estate);
  if (opts.plane !== undefined && !estate.planeById.has(opts.plane)) {
    throw new LongyunError(`--plane: unknown plane "${opts.plane}"${didYouMean(opts.plane, estate.planeById.keys())}`);
  }
  const selected = plan.allocations().filter((a) => (opts.plane === undefined || a.plane === opts.plane) && (opts.family === undefined || a.family === opts.family));
  if (plan.allocations().length === 0) {
    throw new LongyunError(`${relativeToCwd(`${opts.estate}/ledger.json`)} has no allocations yet; run "longyun ipam allocate --estate ${opts.estate}"`);
  }
  if (unit === undefined) {
    const counts = new Map<string, number>();
    for (const a of selected) counts.set(`${a.plane}|${a.family}|${a.level}`, (counts.get(`${a.plane}|${a.family}|${a.level}`) ?? 0) + 1);
    const rows: string[][] = [];
    for (const p of estate.doc.planes) {
      for (const family of ['ipv6', 'ipv4'] as const) {
        for (const level of ALLOCATION_LEVELS) {
          const n = counts.get(`${p.id}|${family}|${level}`);
          if (n) rows.push([p.id, family, level, String(n)]);
        }
      }
    }
    if (opts.output === 'json') printJson(rows.map(([plane, family, level, count]) => ({ plane, family, level, count: Number(count) })));
    else await table([{ header: 'PLANE' }, { header: 'FAMILY' }, { header: 'LEVEL' }, { header: 'ALLOCATIONS', align: 'right' }], rows);
    return EXIT.OK;
  }
  if (!plan.owners.has(unit)) {
    throw new LongyunError(`unknown unit "${unit}"${didYouMean(unit, plan.owners.keys())}; "longyun ipam show" lists what is allocated`);
  }
  const own = selected.filter((a) => a.owner === unit);
  const result = own.map((a) => {
    const node = plan.node(a.plane, a.family, a.owner);
    const children = selected.filter((c) => c.plane === a.plane && c.family === a.family && c.parent === a.prefix);
    const free = node ? node.freePrefixes(9).map(formatPrefix) : [];
    return { ...a, used: node ? node.utilisation() : 0, children, free: free.slice(0, 8), moreFree: free.length > 8 };
  });
  if (opts.output === 'json') {
    printJson({ unit, allocations: result.map(({ moreFree: _m, ...r }) => r) });
    return EXIT.OK;
  }
  const rows: string[][] = [];
  for (const r of result) {
    rows.push([r.plane, r.family, r.prefix, 'allocated', r.owner, `${pct(r.used)} used`]);
    for (const c of r.children) rows.push(['', '', `  ${c.prefix}`, c.level, c.owner, '']);
    for (const f of r.free) rows.push(['', '', `  ${f}`, 'free', '', '']);
    if (r.moreFree) rows.push(['', '', '  …', 'free', '', '']);
  }
  const u = estate.unitById.get(unit);
  await table(
    [{ header: 'PLANE' }, { header: 'FAMILY' }, { header: 'PREFIX' }, { header: 'STATE' }, { header: 'OWNER' }, { header: '' }],
    rows,
    u ? `${u.id} ${u.name.zh} (${u.name.en}), ${u.level}` : unit,
  );
  return EXIT.OK;
}

export async function whoisCommand(address: string, opts: Base): Promise<number> {
  const estate = loadEstate(opts.estate);
  const plan = openAddressPlan(estate);
  let answer;
  try {
    answer = plan.whois(address);
  } catch (e) {
    throw new LongyunError((e as Error).message);
  }
  if (!answer) throw new LongyunError(`no allocation holds ${address}; it is outside every plane's roots`);
  const a = answer.allocation;
  const unitId = a.owner.split('/')[0]!;
  const unit = estate.unitById.get(unitId) ?? estate.datacentreById.get(unitId);
  const exact = a.level !== 'service' && answer.chain.length > 0;
  if (opts.output === 'json') {
    printJson({ address, plane: a.plane, family: a.family, owner: a.owner, level: a.level, prefix: a.prefix, unit: unit ? { id: unitId, name: unit.name } : null, chain: answer.chain });
    return EXIT.OK;
  }
  const lines = [
    `${address} is in ${a.prefix}`,
    `  owner  ${a.owner}${unit ? ` (${unit.name.zh}, ${unit.name.en})` : ''}`,
    `  level  ${a.level}${exact && a.level === 'province' ? ' (not allocated to any municipal unit yet)' : ''}`,
    `  plane  ${a.plane} (${estate.planeById.get(a.plane)?.name.en ?? ''}), ${a.family}`,
    `  chain  ${answer.chain.map((c) => `${c.owner} ${c.prefix}`).join(' → ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

export async function exportCommand(opts: { estate: string; output: 'json' | 'csv' }): Promise<number> {
  const estate = loadEstate(opts.estate);
  const plan = openAddressPlan(estate);
  const list = plan.allocations().map((a) => ({ plane: a.plane, family: a.family, owner: a.owner, level: a.level, prefix: a.prefix, parent: a.parent }));
  if (opts.output === 'csv') {
    const esc = (s: string | null) => (s === null ? '' : /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const out = ['plane,family,owner,level,prefix,parent', ...list.map((a) => [a.plane, a.family, a.owner, a.level, a.prefix, a.parent].map(esc).join(','))];
    process.stdout.write(`${out.join('\n')}\n`);
  } else {
    printJson(list);
  }
  return EXIT.OK;
}
