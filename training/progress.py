"""What a training run says while it runs: readable lines in OUT/train.log (and on stdout), and with --progress-json
one JSON object per line on stdout for the app's Train job (events: start, progress, val, checkpoint, exported,
cancelled, done). Stdout then carries only JSON; the readable lines go to the log and stderr."""
import json
import os
import sys
import time


class Progress:
    def __init__(self, out_dir, json_lines=False):
        self.out_dir, self.json_lines = out_dir, json_lines

    def log(self, line):
        stamp = time.strftime('%H:%M:%S')
        print(f'[{stamp}] {line}', file=sys.stderr if self.json_lines else sys.stdout, flush=True)
        with open(os.path.join(self.out_dir, 'train.log'), 'a') as f:
            f.write(f'[{stamp}] {line}\n')

    def event(self, kind, **fields):
        if self.json_lines:
            print(json.dumps({'event': kind, **fields}), flush=True)
