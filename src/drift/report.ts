// How `dmgen drift` prints its report: lines for people, or one JSON document (`--json`).

import { describeDifference } from "../../templates/runtime/features/view-drift.js";
import type { DriftDifference, DriftReport } from "./index.js";

/** 1 when something breaks (or, with `strict`, on any drift), else 0. */
export function driftExitCode(report: DriftReport, strict: boolean): number {
  const { breaking, additive, stale } = report.counts;
  if (breaking > 0) return 1;
  return strict && additive + stale > 0 ? 1 : 0;
}

/** Per view with differences: a heading and one line per difference; then a summary line. */
export function formatDriftText(
  report: DriftReport,
  relativePath: (folder: string) => string,
): string {
  const lines: string[] = [];
  for (const entry of report.views) {
    if (entry.differences.length === 0) continue;
    const about = [
      entry.className,
      entry.output === undefined ? undefined : relativePath(entry.output),
    ].filter((part): part is string => part !== undefined);
    lines.push(
      about.length > 0 ? `${entry.view} (${about.join(", ")})` : entry.view,
    );
    for (const difference of entry.differences)
      lines.push(...differenceLines(difference, "  "));
  }
  lines.push(summary(report));
  return `${lines.join("\n")}\n`;
}

function differenceLines(
  difference: DriftDifference,
  indent: string,
): string[] {
  const label = difference.class.padEnd(9);
  if (difference.change === "data-model-version") {
    const nested = difference.changes.flatMap((change) =>
      differenceLines(change, `${indent}            `),
    );
    return [
      `${indent}${label} ${difference.message}${nested.length > 0 ? "; what differs there:" : " (same properties)"}`,
      ...nested,
    ];
  }
  if (difference.change === "view-added")
    return [`${indent}${label} ${difference.message}`];
  return [`${indent}${label} ${describeDifference(difference)}`];
}

function summary(report: DriftReport): string {
  const generated = report.views.filter((v) => v.output !== undefined).length;
  const { breaking, additive, stale } = report.counts;
  if (breaking + additive + stale === 0)
    return `No drift: ${generated} generated view${generated === 1 ? "" : "s"} match the project.`;
  const verdict =
    breaking > 0
      ? "the generated code no longer fits the project: regenerate it (dmgen pull, dmgen generate) and fix what the compiler reports"
      : "nothing breaks the generated code";
  return `${breaking} breaking, ${additive} additive, ${stale} stale (${generated} generated view${generated === 1 ? "" : "s"} checked): ${verdict}.`;
}

/** The report as one JSON document (stable field order). */
export function formatDriftJson(
  report: DriftReport,
  relativePath: (folder: string) => string,
): string {
  const document = {
    result:
      report.counts.breaking > 0
        ? "breaking"
        : report.counts.additive + report.counts.stale > 0
          ? "drift"
          : "none",
    counts: report.counts,
    views: report.views.map((entry) => ({
      view: entry.view,
      ...(entry.className ? { className: entry.className } : {}),
      ...(entry.output === undefined
        ? {}
        : { output: relativePath(entry.output) }),
      differences: entry.differences,
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
