// Builds the platform's front end into src/ecoledger/platform/static/dist/:
// app.js (all pages' scripts, Leaflet included) and app.css (Leaflet's CSS and ours),
// plus the few images Leaflet's CSS refers to. No CDN, no fonts: everything is local.
//   npm run build          one production build
//   npm run build -- --dev unminified, with source maps
//   npm run watch          rebuild on change
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";
import fs from "node:fs";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "../src/ecoledger/platform/static/dist");
const watch = process.argv.includes("--watch");
const dev = watch || process.argv.includes("--dev");

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(outdir, { recursive: true });

const options = {
  entryPoints: { app: path.join(here, "src/app.js") },
  outdir,
  bundle: true,
  format: "iife",
  target: ["es2020"],
  minify: !dev,
  sourcemap: dev,
  legalComments: "linked",
  loader: { ".png": "file", ".svg": "file" },
  assetNames: "[name]-[hash]",
  logLevel: "info",
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log(`watching; writing to ${outdir}`);
} else {
  await esbuild.build(options);
}
