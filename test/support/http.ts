/** The JSON body of a response, for assertions (tests check its shape themselves). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (r: Response): Promise<any> => r.json();
