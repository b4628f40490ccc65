#!/usr/bin/env node
// The CLI lives in dist/, compiled from src/ by `npm run build`; `npm pack` and `npm publish`
// build it through `prepack`, so installing the package never runs a build.
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
