/** The CLI's HTTP plumbing: bearer token in a header, the service's error envelope turned into an Error. */

export interface ClientOptions {
  baseUrl: string;
  token: string;
}

export async function failure(res: Response): Promise<Error> {
  const text = await res.text();
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    return new Error(`${res.status} ${error.code}: ${error.message}`);
  } catch {
    return new Error(`${res.status}: ${text.slice(0, 200)}`);
  }
}

/** GET a JSON resource; query values that are undefined are left out. */
export async function getJson<T>(options: ClientOptions, path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const url = new URL(`${options.baseUrl}${path}`);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const res = await fetch(url, { headers: { authorization: `Bearer ${options.token}` } });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}
