/** SVG to PNG with resvg (no browser, no native Cairo): `kerats plot` and `kerats plot-model` share it. */
import { Resvg } from '@resvg/resvg-js';

/** Renders `svg` at twice its size on white, with the system's fonts (DejaVu Sans when the SVG's are missing). */
export function svgToPng(svg: string): Uint8Array {
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
  return new Uint8Array(png);
}
