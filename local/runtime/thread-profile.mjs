// LOCAL_CPU_PROFILE_DIR=<dir> on a local command: the runtime's worker threads (each function's
// environment, each embedded store) write CPU profiles of themselves there, for `bench` and the
// record path. `--cpu-prof` cannot reach these threads: the runtime ends them with terminate().

/**
 * Starts profiling the calling thread when `dir` is set; `save(name)` stops it and writes
 * `<dir>/<name>.cpuprofile`. Without a directory: undefined, and nothing is loaded or started.
 */
export async function startThreadProfile(dir) {
  if (!dir) return undefined;
  // Loaded only when profiling: every function environment imports this module at its start.
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async save(name) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await writeFile(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
    },
  };
}
