#!/usr/bin/env node
import { buildApp } from '../lib/app';

// The CDK app: builds the stacks, nothing else (settings: cdk.json "context", see README).
buildApp().app.synth();
