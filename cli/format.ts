// Small text formatters shared by views and plain output.

/** A share as a percentage: 0%, <0.1%, 12.5%. */
export const pct = (x: number): string => (x === 0 ? '0%' : x < 0.001 ? '<0.1%' : `${(x * 100).toFixed(1)}%`);
