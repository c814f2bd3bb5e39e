import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CustomResourceResource, LOCAL_ACCOUNT, LOCAL_REGION } from './deployment';
import type { InvokeResult } from './lambda-host';

export class CustomResourceError extends Error {
  override name = 'CustomResourceError';
}

interface Answer {
  Status?: string;
  Reason?: string;
}

/**
 * Creates the templates' custom resources as a deploy does ("Custom resources"): CloudFormation
 * invokes the service token's function with a Create request (Update when the properties
 * changed since the last deploy on these stores) and waits for the answer PUT to a presigned
 * response URL, here a server of our own. A FAILED answer, or none in the function's time, fails
 * the deploy naming the resource. What was created is remembered in `stateFile` (the stack's
 * state), so starting again on the same stores deploys nothing new.
 */
export async function deployCustomResources(
  resources: readonly CustomResourceResource[],
  invoke: (functionArn: string, event: unknown) => Promise<InvokeResult>,
  stateFile: string,
  answerWithinMs: number,
): Promise<void> {
  if (resources.length === 0) return;
  const deployed = JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{}')) as Record<string, string>;
  const waiting = new Map<string, (answer: Answer) => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname.slice(1));
      const resolve = waiting.get(id);
      res.writeHead(resolve && req.method === 'PUT' ? 200 : 403).end();
      if (!resolve || req.method !== 'PUT') return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer);
      } catch {
        resolve({ Status: 'FAILED', Reason: 'the response was not JSON' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const resource of resources) {
      const key = `${resource.stackName}/${resource.logicalId}`;
      const properties = JSON.stringify(resource.properties);
      const previous = deployed[key];
      if (previous === properties) continue;
      const requestId = randomUUID();
      const answered = new Promise<Answer>((resolve) => waiting.set(requestId, resolve));
      const event = {
        RequestType: previous === undefined ? 'Create' : 'Update',
        ServiceToken: resource.serviceToken,
        ResponseURL: `http://127.0.0.1:${port}/${requestId}`,
        StackId: `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${resource.stackName}/local`,
        RequestId: requestId,
        LogicalResourceId: resource.logicalId,
        ResourceType: resource.resourceType,
        ResourceProperties: resource.properties,
        ...(previous === undefined
          ? {}
          : { PhysicalResourceId: key, OldResourceProperties: JSON.parse(previous) }),
      };
      // CloudFormation invokes asynchronously and listens only to the response URL.
      void invoke(resource.serviceToken, event);
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        answered,
        new Promise<Answer>((resolve) => {
          timer = setTimeout(
            () => resolve({ Status: 'FAILED', Reason: 'no answer at the response URL in time' }),
            answerWithinMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      waiting.delete(requestId);
      if (answer.Status !== 'SUCCESS') {
        throw new CustomResourceError(
          `${resource.logicalId} (${resource.resourceType}) failed to deploy: ${answer.Reason ?? 'no reason given'}`,
        );
      }
      deployed[key] = properties;
      await writeFile(stateFile, JSON.stringify(deployed));
    }
  } finally {
    server.close();
  }
}
