// The real, public view definitions in /work/shared/fixtures/views through the schema store.
// A missing fixture folder fails this suite (readdirSync throws); it is never skipped.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { loadInputs } from "../../src/input/index.js";
import { client, TEST_SPACES } from "./support.js";

const FIXTURES = "/work/shared/fixtures/views";
const files = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("fixture views", () => {
  it("the fixture folder has the expected files", () => {
    expect(files).toEqual([
      "CogniteCore.json",
      "CogniteCore_no3d_toolkit.json",
      "CogniteExtractorExtensions.json",
      "Omni.json",
      "WindTurbine.json",
    ]);
  });

  it.each(files)(
    "%s: every view is served in the API's shape, and writes through every writable view work",
    async (file) => {
      const input = await loadInputs([join(FIXTURES, file)]);
      expect(input.views.length).toBeGreaterThan(0);
      const emulator = await startEmulator({
        spaces: TEST_SPACES,
        views: input.views,
      });
      try {
        const api = client(emulator);
        const refs = input.views.map((v) => ({
          space: v.space,
          externalId: v.externalId,
          version: v.version,
        }));
        for (let i = 0; i < refs.length; i += 100) {
          const body = await api.ok("/models/views/byids", {
            items: refs.slice(i, i + 100),
          });
          expect(body.items.map((v: any) => v.externalId)).toEqual(
            refs.slice(i, i + 100).map((r) => r.externalId),
          );
        }
        const listed = await api.get(
          "/models/views",
          "limit=1000&allVersions=true&includeGlobal=true",
        );
        expect(listed.body.items).toHaveLength(input.views.length);

        let written = 0;
        for (const view of input.views) {
          if (
            !view.writable ||
            view.usedFor === "edge" ||
            view.usedFor === "record"
          )
            continue;
          const source = {
            type: "view",
            space: view.space,
            externalId: view.externalId,
            version: view.version,
          };
          const result = await api.post("/models/instances", {
            items: [
              {
                instanceType: "node",
                space: "fixtures",
                externalId: `${view.externalId}-1`,
                sources: [{ source }],
              },
            ],
          });
          if (result.status === 400) {
            expect(result.body.error.message).toContain(
              "missing required property",
            );
            continue;
          }
          expect(result.status).toBe(200);
          written++;
          const read = await api.ok("/models/instances/list", {
            filter: { hasData: [source] },
            sources: [{ source }],
            limit: 1000,
          });
          expect(read.items.map((i: any) => i.externalId)).toContain(
            `${view.externalId}-1`,
          );
        }
        expect(written).toBeGreaterThan(0);
      } finally {
        await emulator.close();
      }
    },
  );
});
