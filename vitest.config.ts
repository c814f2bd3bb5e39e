import { defineConfig } from 'vitest/config';

// Test tiers: unit (no network), integration (real SDK against the embedded local stores),
// infra (CDK template assertions), e2e (a real headless browser). `npm test` runs every tier
// that needs no AWS account.
export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Two files side by side: each has its own runtime and stores, and much of their time is
          // waiting (scaled retries, schedules), so two cores run them in about half the time.
          maxWorkers: 2,
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // CDK template assertions and cdk-nag; one test bundles every function with esbuild.
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The two browser files side by side: each has its own runtime and browser profile, and
          // most of their time is axe and Chromium, not the runtime.
          maxWorkers: 2,
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
