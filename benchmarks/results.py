"""Figures, their targets, the printed lines and the JSON file.

Pure arithmetic and formatting, kept apart from the sandbox code so the
unit tests can check it without Heat. Machines here are noisy, so every
figure is a ratio (or a per-node cost) measured several times: a figure
holds one value per repetition (``samples``), its ``value`` is their
median and the line shows their range; the verdict is the median's.
Absolute times are kept as context in ``detail``.
"""

import dataclasses
import json
import os
import platform
import statistics
import subprocess
import typing

LE, LT = '<=', '<'


def median(values):
    """Median of the values that are not None (None if there are none)."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """``(min, max)`` of the values that are not None, or None."""
    values = [v for v in values if v is not None]
    return (min(values), max(values)) if values else None


def ratio(numerator, denominator):
    """``numerator / denominator``, None when either is missing or the
    denominator is not positive (a baseline that did not run)."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def per_node(total, nodes):
    return ratio(total, nodes)


def ratios(numerators, denominators):
    """Element-wise ratios of two equally long lists (the repetitions of
    two sides, paired in the order they ran)."""
    return [ratio(n, d) for n, d in zip(numerators, denominators)]


@dataclasses.dataclass
class Figure:
    """One benchmark figure: the median of ``samples`` against ``target``.

    ``op`` is ``<=`` or ``<``; a figure without a target (pure context,
    e.g. heat-engine peak memory) has ``target=None`` and never misses.
    ``value=None`` means the figure could not be measured (``error``).
    """
    name: str
    value: typing.Optional[float]
    target: typing.Optional[float] = None
    op: str = LE
    unit: str = ''
    measured: str = ''
    detail: dict = dataclasses.field(default_factory=dict)
    error: str = ''
    samples: list = dataclasses.field(default_factory=list)

    @classmethod
    def of(cls, name, samples, target=None, **kwargs):
        """A figure whose value is the median of ``samples``."""
        samples = [s for s in samples if s is not None]
        error = kwargs.pop('error', '')
        if not samples and not error:
            error = 'no sample'
        return cls(name, median(samples), target, samples=samples,
                   error=error, **kwargs)

    @property
    def verdict(self):
        if self.value is None:
            return 'ERROR'
        if self.target is None:
            return 'info'
        ok = (self.value <= self.target if self.op == LE
              else self.value < self.target)
        return 'ok' if ok else 'MISSED'

    @property
    def range(self):
        return spread(self.samples)

    def range_text(self):
        """``[min-max] n=N`` of the samples ('' for a single value)."""
        rng = self.range
        if rng is None or len(self.samples) < 2:
            return 'n=%d' % len(self.samples) if self.samples else ''
        return '[%s-%s] n=%d' % (_num(rng[0]), _num(rng[1]),
                                 len(self.samples))

    def line(self):
        """``name median [min-max] n=N target verdict``, one line."""
        value = '-' if self.value is None else _num(self.value) + self.unit
        target = '-' if self.target is None else '%s%s%s' % (
            self.op, _num(self.target), self.unit)
        text = '%-40s %9s %-20s %9s  %s' % (
            self.name, value, self.range_text(), target, self.verdict)
        if self.error:
            text += '  (%s)' % self.error
        return text

    def to_dict(self):
        data = dataclasses.asdict(self)
        data['verdict'] = self.verdict
        data['range'] = self.range
        return data


def _num(value):
    if value == 0 or abs(value) >= 100:
        return '%.0f' % value
    if abs(value) >= 10:
        return '%.1f' % value
    if abs(value) >= 0.01:
        return '%.2f' % value
    return '%.4f' % value


def summary(figures):
    """Counts of ok / MISSED / ERROR / info and a one-line text."""
    counts = {'ok': 0, 'MISSED': 0, 'ERROR': 0, 'info': 0}
    for fig in figures:
        counts[fig.verdict] += 1
    missed = [f.name for f in figures if f.verdict in ('MISSED', 'ERROR')]
    text = '%d figures: %d ok, %d missed, %d error, %d info' % (
        len(figures), counts['ok'], counts['MISSED'], counts['ERROR'],
        counts['info'])
    if missed:
        text += ' (' + ', '.join(missed) + ')'
    return counts, text


def machine():
    """What the run ran on (the performance page quotes it)."""
    info = {'python': platform.python_version(),
            'system': platform.platform(), 'cpus': os.cpu_count()}
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemTotal:'):
                    info['mem_gib'] = round(int(line.split()[1]) / 2 ** 20,
                                            1)
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    info['cpu'] = line.split(':', 1)[1].strip()
                    break
        with open('/proc/loadavg') as f:
            info['loadavg'] = f.read().split()[:3]
    except OSError:
        pass
    return info


def commit(root):
    """The checkout's commit (``-dirty`` when it has local changes)."""
    try:
        head = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                              cwd=root, capture_output=True, text=True,
                              timeout=30).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain',
                                '--untracked-files=no'], cwd=root,
                               capture_output=True, text=True,
                               timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (head + '-dirty') if head and dirty else (head or None)


def write_json(path, figures, params, started, took, extra=None):
    counts, text = summary(figures)
    doc = {'started': started, 'seconds': round(took, 1),
           'machine': machine(), 'params': params,
           'summary': {'counts': counts, 'text': text},
           'figures': [f.to_dict() for f in figures]}
    doc.update(extra or {})
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(doc, f, indent=1, sort_keys=True, default=str)
    os.rename(tmp, path)
    return doc
