'use strict';
// Resolved as serverless.yml variables: the npm `--cpu` of the functions' architecture, so that
// serverless-esbuild installs the externals' native bindings (DuckDB) for Lambda, not for the
// machine that packages (`arm64` → arm64, `x86_64` → x64).
const CPU = { arm64: 'arm64', x86_64: 'x64' };

module.exports.cpu = async ({ resolveVariable }) => {
  const architecture = String(await resolveVariable('param:architecture'));
  const cpu = CPU[architecture];
  if (!cpu) throw new Error(`Parameter architecture must be arm64 or x86_64, not ${architecture}.`);
  return cpu;
};
