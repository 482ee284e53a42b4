import { decodeCommand, DECODE_HELP } from './decodeCommand.ts';
import { evalCommand, EVAL_HELP } from './evalCommand.ts';
import { validateCommand, VALIDATE_HELP } from './validateCommand.ts';
import { inferCommand, INFER_HELP } from './inferCommand.ts';
import { synthCommand, SYNTH_HELP } from './synthCommand.ts';
import { detectCommand, DETECT_HELP } from './detectCommand.ts';
import { serveCommand, SERVE_HELP } from './serveCommand.ts';
import { exportCommand, EXPORT_HELP, importCommand, IMPORT_HELP } from './exchangeCommands.ts';
import { trainCommand, TRAIN_HELP } from './trainCommand.ts';
import { CliError, EXIT, listenProblem } from './cliError.ts';
import { teamCommand, TEAM_HELP } from './teamCommand.ts';
import { workerCommand, WORKER_HELP } from './workerCommand.ts';

/** Where a command writes: injectable so tests run commands in-process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const COMMANDS: Record<string, { run: (argv: string[], io: CliIo) => Promise<number>; summary: string; help: string }> =
  {
    decode: {
      run: decodeCommand,
      summary: 'raw network maps (decode cases) → COCO keypoint results',
      help: DECODE_HELP,
    },
    eval: {
      run: evalCommand,
      summary: 'OKS AP/AR of results against a COCO ground truth (pycocotools-exact)',
      help: EVAL_HELP,
    },
    validate: {
      run: validateCommand,
      summary: 'check a COCO keypoints GT or results file against the export rules',
      help: VALIDATE_HELP,
    },
    detect: {
      run: detectCommand,
      summary: 'create/update a project for a folder and run the model on it (resumable)',
      help: DETECT_HELP,
    },
    import: {
      run: importCommand,
      summary: 'import a COCO keypoints ground truth into a project for review',
      help: IMPORT_HELP,
    },
    export: {
      run: exportCommand,
      summary: 'write a project as COCO keypoints GT (validated) or a run as COCO results',
      help: EXPORT_HELP,
    },
    train: {
      run: trainCommand,
      summary: "fine-tune the project's model on its reviewed images (resumable), register the result",
      help: TRAIN_HELP,
    },
    serve: {
      run: serveCommand,
      summary: 'serve a project over HTTP on this machine (token-protected web mode)',
      help: SERVE_HELP,
    },
    synth: {
      run: synthCommand,
      summary: 'render a synthetic people dataset (JPEG + COCO keypoints)',
      help: SYNTH_HELP,
    },
    team: {
      run: teamCommand,
      summary: 'a team project on PostgreSQL: push, export, queue detection, accounts and assignment',
      help: TEAM_HELP,
    },
    worker: {
      run: workerCommand,
      summary: "a detection worker of a team project (claims batches from the team's queue)",
      help: WORKER_HELP,
    },
    infer: {
      run: inferCommand,
      summary: 'run an IMHN ONNX model on images → COCO keypoint results (+ raw maps)',
      help: INFER_HELP,
    },
  };

export const MAIN_HELP = `SimplePose Studio command line

Usage: simplepose <command> [options]     (simplepose <command> --help for details)

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

Exit codes: 0 ok, 1 check failed, 2 usage error, 3 unreadable or malformed input.`;

const processIo: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/** Runs the CLI; returns the exit code. Errors become one line on stderr, never a stack trace. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    io.out('simplepose 0.1.0');
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`simplepose: unknown command "${name}"\n\n${MAIN_HELP}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`simplepose ${name}: ${e.message}`);
      return e.exitCode;
    }
    const listen = listenProblem(e);
    if (listen) {
      io.err(`simplepose ${name}: ${listen.message}`);
      return listen.exitCode;
    }
    const code = (e as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`simplepose ${name}: ${(e as Error).message}\n\n${command.help}`);
      return EXIT.usage;
    }
    io.err(`simplepose ${name}: ${(e as Error).message}`);
    return EXIT.input;
  }
}
