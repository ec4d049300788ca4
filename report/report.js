// Draws the charts of a tad report from the JSON embedded in the page (#tad-data) with ECharts
// (SVG renderer, no animation). Sets body[data-charts-drawn] to the number of charts drawn, so a
// test can wait for it. Runs from a file:// page with no network access.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('tad-data').textContent);
  const scaling = data.scaling;
  const palette = ['#3b6fb6', '#d9822b', '#2f9e44', '#c92a2a', '#7048e8', '#868e96'];
  let drawn = 0;

  function chart(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const instance = echarts.init(element, null, { renderer: 'svg' });
    instance.setOption(Object.assign({ animation: false, color: palette, textStyle: { fontFamily: 'inherit' } }, option));
    window.addEventListener('resize', () => instance.resize());
    element.dataset.drawn = 'true';
    drawn += 1;
  }

  function title(text) { return { text: text, left: 'center', textStyle: { fontSize: 14 } }; }
  function valueAxis(name, extra) { return Object.assign({ type: 'value', name: name, nameLocation: 'middle', nameGap: 40 }, extra || {}); }

  if (scaling && scaling.points && scaling.points.length) {
    const points = scaling.points;
    const executors = points.map((p) => p.executors);
    const base = points[0];
    const ideal = points.map((p) => [p.executors, base.train_seconds.median * base.executors / p.executors]);
    const xAxis = { type: 'value', name: 'executors', nameLocation: 'middle', nameGap: 28, minInterval: 1,
                    min: Math.min(...executors), max: Math.max(...executors) };
    const range = (key) => points.map((p) => [p.executors, p[key].min, p[key].max]);
    chart('chart-scaling-time', {
      title: title('Time against executors'),
      tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 60, right: 20, bottom: 70 },
      xAxis: xAxis, yAxis: valueAxis('seconds'),
      series: [
        { name: 'training time', type: 'line', data: points.map((p) => [p.executors, p.train_seconds.median]) },
        { name: 'total time', type: 'line', data: points.map((p) => [p.executors, p.total_seconds.median]) },
        { name: 'ideal (training)', type: 'line', data: ideal, symbol: 'none', lineStyle: { type: 'dashed' } },
        { name: 'training min–max', type: 'scatter', symbolSize: 5, data: range('train_seconds').flatMap((r) => [[r[0], r[1]], [r[0], r[2]]]) },
      ],
    });
    // Training (the tree kernel) and total time (what a user waits for) side by side: either alone
    // can tell the opposite of what happened to the job.
    chart('chart-scaling-speedup', {
      title: title('Speedup of training and of total time'),
      tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 60, right: 20, bottom: 70 },
      xAxis: xAxis, yAxis: valueAxis('speedup'),
      series: [
        { name: 'training', type: 'line', data: points.map((p) => [p.executors, p.speedup]) },
        { name: 'total', type: 'line', data: points.map((p) => [p.executors, p.total_speedup]) },
        { name: 'ideal', type: 'line', symbol: 'none', lineStyle: { type: 'dashed' }, data: points.map((p) => [p.executors, p.executors]) },
      ],
    });
    chart('chart-scaling-efficiency', {
      title: title('Parallel efficiency'),
      tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 60, right: 20, bottom: 70 },
      xAxis: { type: 'category', name: 'executors (grey: oversubscribed)', nameLocation: 'middle', nameGap: 28, data: executors.map(String) },
      yAxis: valueAxis('speedup / executors', { min: 0 }),
      series: [
        { name: 'training', type: 'bar', barMaxWidth: 40, data: points.map((p) => p.efficiency),
          itemStyle: { color: (params) => (points[params.dataIndex].oversubscribed ? '#adb5bd' : palette[0]) } },
        { name: 'total', type: 'bar', barMaxWidth: 40, data: points.map((p) => p.total_efficiency),
          itemStyle: { color: (params) => (points[params.dataIndex].oversubscribed ? '#dee2e6' : palette[1]) } },
        { name: 'ideal', type: 'line', symbol: 'none', lineStyle: { type: 'dashed' }, data: points.map(() => 1) },
      ],
    });
    chart('chart-scaling-split', {
      title: title('Per executor: computing and communicating (median s)'),
      tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 60, right: 20, bottom: 70 },
      xAxis: { type: 'category', name: 'executors', nameLocation: 'middle', nameGap: 28, data: executors.map(String) },
      yAxis: valueAxis('seconds'),
      series: [
        { name: 'compute', type: 'bar', stack: 'time', data: points.map((p) => p.compute_seconds.median) },
        { name: 'communication', type: 'bar', stack: 'time', data: points.map((p) => p.comm_seconds.median) },
      ],
    });
  }

  if (data.runs.length > 1) {
    const names = data.runs.map((run, i) => `${i + 1}: ${run.results.dataset.row_kind || 'rows'}` +
                                             (run.results.split ? `, ${run.results.split.by} split` : ''));
    chart('chart-comparison', {
      title: title('Runs side by side: accuracy and weighted F1 on each run\'s test rows'),
      tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 50, right: 20, bottom: 70 },
      xAxis: { type: 'category', data: names }, yAxis: { type: 'value', min: 0, max: 1 },
      series: [
        { name: 'accuracy', type: 'bar', data: data.runs.map((run) => run.results.metrics.accuracy) },
        { name: 'weighted F1', type: 'bar', data: data.runs.map((run) => run.results.metrics.weighted_f1) },
      ],
    });
  }

  // Each run's charts; element ids end in the run's number (1-based, in the order given).
  data.runs.forEach((run, index) => {
    const number = index + 1;
    const results = run.results;
    const tree = run.tree;
    const confusion = results.confusion_matrix;
    if (confusion && confusion.labels && confusion.labels.length) {
      const labels = confusion.labels;
      const cells = [];
      let largest = 0;
      confusion.matrix.forEach((row, t) => {
        const total = row.reduce((a, b) => a + b, 0) || 1;
        row.forEach((count, p) => {
          cells.push([p, t, Math.round((count / total) * 1000) / 10, count]);
          largest = Math.max(largest, count);
        });
      });
      chart('chart-confusion-' + number, {
        title: title('Confusion matrix (share of each true class, %)'),
        tooltip: { formatter: (p) => `true ${labels[p.value[1]]}, predicted ${labels[p.value[0]]}: ${p.value[3]} rows (${p.value[2]} %)` },
        grid: { left: 140, right: 30, top: 40, bottom: 110 },
        xAxis: { type: 'category', data: labels, name: 'predicted', nameLocation: 'middle', nameGap: 80, axisLabel: { rotate: 40 } },
        // The axis name sits left of the longest tick label, rotated, so the two never overlap.
        yAxis: { type: 'category', data: labels, name: 'true', inverse: true, nameLocation: 'middle', nameGap: 125, nameRotate: 90 },
        // Colour by the share (dimension 2 of [predicted, true, share, count]), as the title says;
        // without `dimension` ECharts colours by the last value, the count.
        visualMap: { dimension: 2, min: 0, max: 100, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 200, show: false,
                     inRange: { color: ['#f8f9fa', '#a5d8ff', '#1c7ed6', '#0b3d91'] } },
        series: [{ type: 'heatmap', data: cells, label: { show: labels.length <= 14, formatter: (p) => (p.value[3] ? p.value[2] : '') } }],
      });
    }

    if (results.per_class && results.per_class.length) {
      const classes = results.per_class.map((c) => c.class);
      chart('chart-per-class-' + number, {
        title: title('Per-class precision, recall and F1'),
        tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 50, right: 20, bottom: 100 },
        xAxis: { type: 'category', data: classes, axisLabel: { rotate: 40 } }, yAxis: { type: 'value', min: 0, max: 1 },
        series: ['precision', 'recall', 'f1'].map((key) => ({ name: key, type: 'bar', data: results.per_class.map((c) => c[key]) })),
      });
    }

    const importances = (results.model && results.model.feature_importances) || {};
    const ranked = Object.entries(importances).sort((a, b) => a[1] - b[1]);
    if (ranked.length) {
      chart('chart-importances-' + number, {
        title: title('Feature importances'),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        grid: { left: 160, right: 40, top: 40, bottom: 30 },
        xAxis: { type: 'value' }, yAxis: { type: 'category', data: ranked.map((e) => e[0]) },
        series: [{ type: 'bar', data: ranked.map((e) => e[1]), label: { show: true, position: 'right', formatter: (p) => p.value.toFixed(3) } }],
      });
    }

    if (tree) {
      const levels = tree.nodes_per_level.map((_, i) => String(i));
      chart('chart-levels-' + number, {
        title: title('Nodes and leaves per level'),
        tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 50, right: 20, bottom: 70 },
        xAxis: { type: 'category', data: levels, name: 'level', nameLocation: 'middle', nameGap: 28 }, yAxis: { type: 'value' },
        series: [
          { name: 'split nodes', type: 'bar', stack: 'n', data: tree.nodes_per_level.map((n, i) => n - tree.leaves_per_level[i]) },
          { name: 'leaves', type: 'bar', stack: 'n', data: tree.leaves_per_level },
        ],
      });
    }

    const communication = results.communication;
    if (communication && communication.comm_seconds_per_executor && communication.comm_seconds_per_executor.length) {
      const ranks = communication.comm_seconds_per_executor.map((_, i) => 'executor ' + i);
      chart('chart-communication-' + number, {
        title: title('This run, per executor: computing and communicating (s)'),
        tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 60, right: 20, bottom: 70 },
        xAxis: { type: 'category', data: ranks }, yAxis: { type: 'value' },
        series: [
          { name: 'compute', type: 'bar', stack: 't', data: communication.compute_seconds_per_executor || [] },
          { name: 'communication', type: 'bar', stack: 't', data: communication.comm_seconds_per_executor },
        ],
      });
    }
  });

  // Chart containers with nothing to show are removed rather than left blank.
  document.querySelectorAll('.chart').forEach((element) => { if (!element.dataset.drawn) element.remove(); });
  document.body.dataset.chartsDrawn = String(drawn);
})();
