#!/usr/bin/env node
// Loads the TypeScript CLI into this process through tsx's loader, so `npx ckptsim` works right
// after `npm install` without a compile step or a second process.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
