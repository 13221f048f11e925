// Public surface of the GPU node: the node, its budget clock, admission, queue, sandboxes (sealed bwrap, unsealed none) and their seal, the sandbox probe, runner, outputs and GPU detection.
export * from './errors.ts';
export * from './budget-clock.ts';
export * from './admission.ts';
export * from './job-queue.ts';
export * from './gpu-detect.ts';
export * from './process-runner.ts';
export * from './sandbox.ts';
export * from './sandbox-bwrap.ts';
export * from './sandbox-subprocess.ts';
export * from './sandbox-mounts.ts';
export * from './python-prefix.ts';
export * from './seal.ts';
export * from './sandbox-probe.ts';
export * from './outputs.ts';
export * from './gpu-node.ts';
