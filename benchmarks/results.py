"""Figures, their targets, the printed lines and the JSON file.

Pure arithmetic and formatting, kept apart from the sandbox code so the
unit tests can check it without Heat. Machines here are noisy, so every
figure is a ratio (or a per-node cost) with the absolute times kept only
as context in ``detail``.
"""

import dataclasses
import json
import platform
import os
import typing

LE, LT = '<=', '<'


@dataclasses.dataclass
class Figure:
    """One benchmark figure: ``value`` compared with ``target``.

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

    @property
    def verdict(self):
        if self.value is None:
            return 'ERROR'
        if self.target is None:
            return 'info'
        ok = (self.value <= self.target if self.op == LE
              else self.value < self.target)
        return 'ok' if ok else 'MISSED'

    def line(self):
        """``name value target verdict``, one line."""
        value = '-' if self.value is None else _num(self.value) + self.unit
        target = '-' if self.target is None else '%s%s%s' % (
            self.op, _num(self.target), self.unit)
        text = '%-34s %12s %10s  %s' % (
            self.name, value, target, self.verdict)
        if self.error:
            text += '  (%s)' % self.error
        return text

    def to_dict(self):
        data = dataclasses.asdict(self)
        data['verdict'] = self.verdict
        return data


def _num(value):
    if value == 0 or abs(value) >= 100:
        return '%.0f' % value
    if abs(value) >= 10:
        return '%.1f' % value
    return '%.2f' % value


def ratio(numerator, denominator):
    """``numerator / denominator``, None when either is missing or the
    denominator is not positive (a baseline that did not run)."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def per_node(total, nodes):
    return ratio(total, nodes)


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
    except OSError:
        pass
    return info


def write_json(path, figures, params, started, took):
    counts, text = summary(figures)
    doc = {'started': started, 'seconds': round(took, 1),
           'machine': machine(), 'params': params,
           'summary': {'counts': counts, 'text': text},
           'figures': [f.to_dict() for f in figures]}
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(doc, f, indent=1, sort_keys=True, default=str)
    os.rename(tmp, path)
    return doc
