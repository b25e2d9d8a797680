import { Box, Text } from 'ink';
import React from 'react';
import type { Finding } from '../../policies/types.js';

export interface FindingsViewProps {
  findings: readonly Finding[];
  evaluated: number;
}

/** Policy findings, one block each: where, which policy, what to fix. */
export function FindingsView({ findings, evaluated }: FindingsViewProps): React.JSX.Element {
  if (findings.length === 0) {
    return <Text color="green">✓ {evaluated} policies evaluated, no findings</Text>;
  }
  const enforced = findings.filter((f) => f.mode === 'enforce').length;
  return (
    <Box flexDirection="column">
      <Text color={enforced > 0 ? 'red' : 'yellow'}>
        {enforced > 0 ? '✗' : '!'} {evaluated} policies evaluated, {findings.length} finding{findings.length === 1 ? '' : 's'} ({enforced} enforced,{' '}
        {findings.length - enforced} audit)
      </Text>
      {findings.map((f, i) => (
        <Box key={i} flexDirection="column" marginTop={i === 0 ? 0 : 0}>
          <Text>
            <Text color={f.mode === 'enforce' ? 'red' : 'yellow'}>{f.mode === 'enforce' ? 'ENFORCE' : 'AUDIT  '}</Text> <Text bold>{f.policy}</Text>{' '}
            <Text dimColor>
              {f.file}
              {f.path ? `: ${f.path}` : ''}
            </Text>
          </Text>
          <Text>{'        '}{f.message}</Text>
        </Box>
      ))}
    </Box>
  );
}
