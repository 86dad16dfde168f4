// Renders the field app's icons (wwwroot/icons/*.svg, drawn by hand) into the PNG sizes that phones
// and Chromium's install check ask for. Run by Grid.Web.csproj at build time; the PNGs are
// git-ignored. resvg (WebAssembly, from npm) draws them, so nothing is downloaded and no native
// binary is needed.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';

const require = createRequire(import.meta.url);
const dir = new URL('./wwwroot/icons/', import.meta.url);

// "any": launchers and the install dialog (48-512); "maskable": Android adaptive icons;
// apple-touch-icon: iOS home screen (no transparency, so the full-bleed variant).
const outputs = [
  ...[48, 72, 96, 128, 144, 152, 192, 256, 384, 512].map((size) => ({ svg: 'field-icon.svg', size, name: `field-${size}.png` })),
  ...[192, 512].map((size) => ({ svg: 'field-icon-maskable.svg', size, name: `field-maskable-${size}.png` })),
  { svg: 'field-icon-maskable.svg', size: 180, name: 'apple-touch-icon.png' },
];

await initWasm(await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
const sources = {};
for (const { svg, size, name } of outputs) {
  sources[svg] ??= await readFile(new URL(svg, dir), 'utf8');
  const png = new Resvg(sources[svg], { fitTo: { mode: 'width', value: size } }).render().asPng();
  await writeFile(new URL(name, dir), png);
}
console.log(`render-icons: ${outputs.length} PNGs in wwwroot/icons`);
