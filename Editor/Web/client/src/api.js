// Every API call carries the session token the server printed in the page's URL.
const token = new URLSearchParams(location.search).get('token') || '';

export function apiUrl(path, query = {}) {
  const params = new URLSearchParams({ ...query, token });
  return `${path}?${params}`;
}

export async function post(path, body) {
  const response = await fetch(apiUrl(path), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Engine-Token': token },
    body: JSON.stringify(body ?? {}),
  });
  const json = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
  return json;
}

export async function get(path, query) {
  const response = await fetch(apiUrl(path, query), { headers: { 'X-Engine-Token': token } });
  const json = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
  return json;
}
