// Every machine actor, by its xstate id: what an actor.start record names, so replay can rebuild the actor.
import type { AnyStateMachine } from 'xstate';
import { coordinatorMachine } from './coordinator/coordinator-machine.ts';
import { developerMachine } from './developer/developer-machine.ts';
import { memoryMachine } from './memory/memory-machine.ts';
import { researcherMachine } from './researcher/researcher-machine.ts';
import { validatorMachine } from './validator/validator-machine.ts';

export const MACHINES: Readonly<Record<string, AnyStateMachine>> = Object.fromEntries(
  [coordinatorMachine, developerMachine, memoryMachine, researcherMachine, validatorMachine].map((m) => [m.id, m as AnyStateMachine]),
);
