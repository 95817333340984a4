import { defineConfig, type Plugin } from "vite";
import { readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

// The Go binary embeds the build from internal/webapp/dist, where only
// README.txt is committed (so a clone without Node still compiles). Vite's
// own emptyOutDir would delete it; this removes everything else instead.
const outDir = resolve(import.meta.dirname, "../internal/webapp/dist");
const keep = new Set(["README.txt"]);

function cleanOutDir(): Plugin {
  return {
    name: "gsign-clean-outdir",
    apply: "build",
    buildStart() {
      for (const name of readdirSync(outDir)) {
        if (!keep.has(name)) rmSync(join(outDir, name), { recursive: true, force: true });
      }
    },
  };
}

export default defineConfig({
  base: "/app/",
  plugins: [cleanOutDir()],
  build: {
    outDir,
    emptyOutDir: false,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
});
