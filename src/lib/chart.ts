import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * ECharts and resvg are loaded on the first chart, not at start-up: together they add tens
 * of megabytes to a process that may never draw one.
 */
let renderers: Promise<{ echarts: typeof import("echarts"); Resvg: typeof import("@resvg/resvg-js").Resvg }> | undefined;
function loadRenderers() {
  renderers ??= Promise.all([import("echarts"), import("@resvg/resvg-js")]).then(([echarts, resvg]) => ({ echarts, Resvg: resvg.Resvg }));
  return renderers;
}

/**
 * The font the charts are drawn with, shipped as an npm package (TTF), so that labels render
 * the same on a server without any system fonts.
 */
const FONT_FILE = require.resolve("@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf");
const FONT_FAMILY = "Noto Sans";

export interface BarChartSpec {
  title: string;
  /** Category labels, left to right. */
  labels: string[];
  values: number[];
  /** Axis names (optional). */
  xName?: string;
  yName?: string;
  width?: number;
  height?: number;
}

/**
 * Renders a bar chart to PNG on the server: Apache ECharts draws SVG (server-side rendering,
 * no DOM), resvg turns it into a PNG. About 100 ms; no browser, no canvas, no download.
 */
export async function renderBarChartPng(spec: BarChartSpec): Promise<Buffer> {
  const { echarts, Resvg } = await loadRenderers();
  const width = spec.width ?? 900;
  const height = spec.height ?? 480;
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: "#ffffff",
      textStyle: { fontFamily: FONT_FAMILY },
      title: { text: spec.title, left: "center", top: 12, textStyle: { fontSize: 18, fontWeight: "normal", fontFamily: FONT_FAMILY } },
      grid: { left: 56, right: 24, top: 64, bottom: 64 },
      xAxis: {
        type: "category",
        data: spec.labels,
        name: spec.xName,
        nameLocation: "middle",
        nameGap: 40,
        axisLabel: { fontSize: 12, interval: 0 },
      },
      yAxis: { type: "value", minInterval: 1, name: spec.yName, nameTextStyle: { align: "left" } },
      series: [
        {
          type: "bar",
          data: spec.values,
          itemStyle: { color: "#2e7d5b" },
          barMaxWidth: 48,
          label: { show: true, position: "top", fontSize: 12 },
        },
      ],
    });
    const svg = chart.renderToSVGString();
    return new Resvg(svg, {
      font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
      fitTo: { mode: "width", value: width },
    })
      .render()
      .asPng();
  } finally {
    chart.dispose();
  }
}
