import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/** Runs a program (as the user `runAs`, when given) in the C locale; rejects with its stderr. */
export function exec(
  file: string,
  args: string[],
  runAs?: { uid: number; gid: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { ...runAs, cwd: os.tmpdir(), env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${path.basename(file)} ${args[0]}: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
  });
}
