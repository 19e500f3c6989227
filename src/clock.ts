/** The source of "now". Tests and the memory connector may inject their own. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
