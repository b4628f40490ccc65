// A project's schema (spaces, containers made through the API, views, data models) as JSON for the
// state file, and back. Restoring never replaces what the emulator was started with (`--views`).

import { UserError } from "../../errors.js";
import { normalizeView, viewReference } from "../../input/normalize.js";
import type { JsonRecord } from "../http/request-shape.js";
import { parseContainer } from "./endpoints.js";
import {
  resolveView,
  viewKeyOf,
  type SchemaStore,
  type SpaceRecord,
} from "./store.js";
import { containerToApi, dataModelToApi, viewToApi } from "./output.js";

export function schemaSnapshot(schema: SchemaStore): JsonRecord {
  return {
    spaces: [...schema.spaces.values()],
    containers: [...schema.containers.values()]
      .filter((c) => c.explicit)
      .map((c) => containerToApi(schema, c)),
    removedContainers: [...schema.removedContainers],
    views: [...schema.views.values()].map((v) => viewToApi(schema, v, true)),
    dataModels: schema.dataModels.map((m) => dataModelToApi(schema, m, false)),
  };
}

export function restoreSchema(
  schema: SchemaStore,
  snapshot: JsonRecord,
  file: string,
): void {
  try {
    list<SpaceRecord>(snapshot.spaces).forEach((space, i) => {
      if (!isSpaceRecord(space))
        throw new UserError(
          `the state file's schema is corrupt: spaces[${i}] must be {space, createdTime, lastUpdatedTime}, got ${JSON.stringify(space)}`,
          file,
        );
      if (!schema.spaces.has(space.space))
        schema.spaces.set(space.space, space);
    });
    // Containers of `--views` deleted before the save stay deleted (their views unavailable).
    list<unknown>(snapshot.removedContainers).forEach((key, i) => {
      if (typeof key !== "string")
        throw new UserError(
          `the state file's schema is corrupt: removedContainers[${i}] must be a container key, got ${JSON.stringify(key)}`,
          file,
        );
      if (schema.containers.get(key)?.explicit === false)
        schema.containers.delete(key);
      schema.removedContainers.add(key);
    });
    list<unknown>(snapshot.containers).forEach((raw, i) => {
      const container = parseContainer(raw, `containers[${i}]`, 0);
      if (!schema.containers.get(container.key)?.explicit) {
        schema.containers.set(container.key, container);
        schema.removedContainers.delete(container.key);
      }
    });
    list<unknown>(snapshot.views).forEach((raw, i) => {
      const view = normalizeView(raw, { file, path: `$.views[${i}]` });
      if (!schema.views.has(viewKeyOf(view)))
        schema.views.set(
          viewKeyOf(view),
          resolveView(view, schema.containers, false),
        );
    });
    list<JsonRecord>(snapshot.dataModels).forEach((raw, i) => {
      const key = viewKeyOf(
        raw as { space: string; externalId: string; version: string },
      );
      if (schema.dataModels.some((m) => viewKeyOf(m) === key)) return;
      schema.dataModels.push({
        space: String(raw.space),
        externalId: String(raw.externalId),
        version: String(raw.version),
        ...(typeof raw.name === "string" ? { name: raw.name } : {}),
        ...(typeof raw.description === "string"
          ? { description: raw.description }
          : {}),
        views: list<unknown>(raw.views).map((ref, j) =>
          viewReference(ref, { file, path: `$.dataModels[${i}].views[${j}]` }),
        ),
        ...(raw.isGlobal === true ? { isGlobal: true } : {}),
        createdTime: Number(raw.createdTime),
        lastUpdatedTime: Number(raw.lastUpdatedTime),
      });
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `the state file's schema is corrupt: ${(error as Error).message}`,
      file,
    );
  }
}

function isSpaceRecord(value: unknown): value is SpaceRecord {
  const record = value as Partial<SpaceRecord> | null;
  return (
    typeof record === "object" &&
    record !== null &&
    typeof record.space === "string" &&
    typeof record.createdTime === "number" &&
    typeof record.lastUpdatedTime === "number" &&
    (record.name === undefined || typeof record.name === "string") &&
    (record.description === undefined || typeof record.description === "string")
  );
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
