import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface BuiltImage {
  /** The final stage's working directory, as the image would hold it. */
  workdir: string;
  /** Its CMD (exec form) and ENV. */
  cmd: string[];
  env: Record<string, string>;
  /** The base image of each stage, e.g. node:24-bookworm-slim. */
  bases: string[];
}

interface Stage {
  name: string;
  root: string;
  workdir: string;
}

/**
 * Runs a Dockerfile's stages without a Docker engine: each stage gets a directory standing for its file
 * system; WORKDIR, COPY (from the context or `--from` an earlier stage), RUN (bash, with the Node on PATH),
 * ENV and CMD are carried out; FROM's image is only recorded. Enough for this project's Dockerfile, so its
 * build steps run in the suite on machines without Docker.
 */
export function runDockerfileStages(
  dockerfile: string,
  context: string,
  outDir: string,
  runEnv: NodeJS.ProcessEnv = process.env,
): BuiltImage {
  const lines = readFileSync(dockerfile, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  const bases: string[] = [];
  let env: Record<string, string> = {};
  let cmd: string[] = [];
  const current = () => {
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${dockerfile}: an instruction before FROM`);
    return stage;
  };
  const inStage = (stage: Stage, p: string) =>
    path.join(stage.root, path.posix.isAbsolute(p) ? p : path.posix.join(stage.workdir, p));

  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = line.slice(instruction.length).trim();
    switch (instruction.toUpperCase()) {
      case 'FROM': {
        const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage-${stages.length}`;
        bases.push(rest[0]);
        stages.push({ name, root: path.join(outDir, name), workdir: '/' });
        mkdirSync(current().root, { recursive: true });
        env = {};
        break;
      }
      case 'WORKDIR':
        current().workdir = path.posix.resolve(current().workdir, args);
        mkdirSync(inStage(current(), '.'), { recursive: true });
        break;
      case 'COPY': {
        const from = rest[0].startsWith('--from=') ? rest.shift()!.slice('--from='.length) : undefined;
        const dest = rest.pop()!;
        const source = from ? stages.find((s) => s.name === from) : undefined;
        if (from && !source) throw new Error(`${dockerfile}: COPY --from=${from}: no such stage`);
        for (const src of rest) {
          const srcPath = source ? inStage(source, src) : path.join(context, src);
          const destPath = dest.endsWith('/')
            ? path.join(inStage(current(), dest), path.basename(src))
            : inStage(current(), dest);
          cpSync(srcPath, destPath, { recursive: true });
        }
        break;
      }
      case 'RUN':
        execFileSync('bash', ['-euo', 'pipefail', '-c', args], {
          cwd: inStage(current(), '.'),
          env: { ...runEnv, ...env },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        break;
      case 'ENV':
        for (const [, k, v] of args.matchAll(/(\w+)=(\S+)/g)) env[k] = v;
        break;
      case 'CMD':
        cmd = JSON.parse(args);
        break;
      case 'USER':
      case 'EXPOSE':
      case 'LABEL':
        break;
      default:
        throw new Error(`${dockerfile}: ${instruction} is not supported by this runner`);
    }
  }
  return { workdir: inStage(current(), '.'), cmd, env, bases };
}
