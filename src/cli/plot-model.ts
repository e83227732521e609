/** `kerats plot-model CONFIG -o model.svg|.dot|.mmd`: the model graph, like keras.utils.plot_model. */
import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { useBackend, type BackendChoice } from '../runtime/backend.js';
import { buildModel } from '../runtime/model-builder.js';
import { plotGraph, toDot, toMermaid, toSvg } from '../runtime/graph/plot.js';
import { writeFileAtomic } from '../util/atomic.js';
import { svgToPng } from '../runtime/plot/png.js';
import { ConfigError } from '../util/errors.js';
import { configLoadOptions, example, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';

type Graph = ReturnType<typeof plotGraph>;
const FORMATS: Record<string, (g: Graph, shapes: boolean) => string | Uint8Array | Promise<string | Uint8Array>> = {
  '.svg': toSvg,
  // The same drawing, rendered by resvg (as `kerats plot` renders charts).
  '.png': async (g, shapes) => svgToPng(await toSvg(g, shapes)),
  '.dot': toDot,
  '.gv': toDot,
  '.mmd': toMermaid,
};

export function registerPlotModel(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('plot-model'))))
    .argument('<config>', 'a config file')
    .requiredOption('-o, --output <file>', 'the picture to write: .svg or .png (drawn, edges routed around the boxes), .dot (Graphviz) or .mmd (Mermaid)')
    .option('--no-shapes', 'leave out the input and output shapes of each layer')
    .description('draw the model graph (layers, connections and shapes), like keras.utils.plot_model')
    .addHelpText('after', example('kerats plot-model configs/seeds/headline-multi-io.yaml -o model.svg', 'kerats plot-model configs/iris.yaml -o iris-model.png', 'kerats plot-model configs/seeds/transformer.yaml -o model.mmd --no-shapes'))
    .action(async (file: string, opts: CommonOptions & ConfigOptions & { backend: BackendChoice; output: string; shapes: boolean }) => {
      const out = outputFor(opts);
      const ext = path.extname(opts.output).toLowerCase();
      const render = FORMATS[ext];
      if (!render) throw new ConfigError(`cannot write "${opts.output}": the picture format comes from the file extension; use .svg, .png, .dot or .mmd`);
      const config = await loadConfig(file, configLoadOptions(opts));
      await useBackend(opts.backend);
      const model = buildModel(config.model, { seed: config.seed });
      const graph = plotGraph(model);
      model.dispose();
      await writeFileAtomic(opts.output, await render(graph, opts.shapes));
      out.result({ file: opts.output, format: ext.slice(1), layers: graph.nodes.length, connections: graph.edges.length }, () => `Wrote ${opts.output} (${graph.nodes.length} layers, ${graph.edges.length} connections)\n`);
    });
}
