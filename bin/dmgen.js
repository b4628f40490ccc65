#!/usr/bin/env node
// The CLI lives in dist/, compiled from src/ by `npm run build` (run on `npm ci` through `prepare`).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
