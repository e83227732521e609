/** `kerats plot-model CONFIG -o model.svg|.dot|.mmd`: the model graph, like keras.utils.plot_model. */
import type { Command } from 'commander';
import path from 'node:path';
import type { BackendChoice } from '../runtime/backend.js';
import { ConfigError } from '../util/errors.js';
import { configLoadOptions, example, shapeOnlyBackend, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';

/** Picture formats by file extension, naming the renderer (src/runtime/graph/plot.ts; PNG through resvg, as `kerats plot`). */
const FORMATS = { '.svg': 'svg', '.png': 'png', '.dot': 'dot', '.gv': 'dot', '.mmd': 'mermaid' } as const;

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
      const kind = (FORMATS as Record<string, (typeof FORMATS)[keyof typeof FORMATS] | undefined>)[ext];
      if (!kind) throw new ConfigError(`cannot write "${opts.output}": the picture format comes from the file extension; use .svg, .png, .dot or .mmd`);
      const { loadConfig } = await import('../config/load.js');
      const { useBackend } = await import('../runtime/backend.js');
      const { buildModel } = await import('../runtime/model-builder.js');
      const plot = await import('../runtime/graph/plot.js');
      const { writeFileAtomic } = await import('../util/atomic.js');
      const config = await loadConfig(file, configLoadOptions(opts));
      await useBackend(shapeOnlyBackend(opts.backend));
      const model = buildModel(config.model, { seed: config.seed });
      const graph = plot.plotGraph(model);
      model.dispose();
      const picture = kind === 'png'
        ? (await import('../runtime/plot/png.js')).svgToPng(await plot.toSvg(graph, opts.shapes))
        : kind === 'svg' ? await plot.toSvg(graph, opts.shapes) : kind === 'dot' ? plot.toDot(graph, opts.shapes) : plot.toMermaid(graph, opts.shapes);
      await writeFileAtomic(opts.output, await picture);
      out.result({ file: opts.output, format: ext.slice(1), layers: graph.nodes.length, connections: graph.edges.length }, () => `Wrote ${opts.output} (${graph.nodes.length} layers, ${graph.edges.length} connections)\n`);
    });
}
