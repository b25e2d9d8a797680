import { Box, Text } from 'ink';
import React from 'react';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export interface TableProps {
  columns: readonly Column[];
  rows: readonly (readonly string[])[];
  /** Optional colour per row (e.g. red for an enforce-mode finding). */
  rowColor?: (row: number) => string | undefined;
}

/** A plain column layout: one flex column per table column, so yoga sizes each by its widest cell. */
export function Table({ columns, rows, rowColor }: TableProps): React.JSX.Element {
  return (
    <Box flexDirection="row">
      {columns.map((col, c) => (
        <Box key={c} flexDirection="column" marginRight={c === columns.length - 1 ? 0 : 2} alignItems={col.align === 'right' ? 'flex-end' : 'flex-start'}>
          <Text bold wrap="truncate">
            {col.header || ' '}
          </Text>
          {rows.map((row, r) => (
            <Text key={r} wrap="truncate" color={rowColor?.(r)}>
              {row[c] || ' '}
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
