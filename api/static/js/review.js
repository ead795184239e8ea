// The author's review buttons: confirm / reject a relation, "not a concept". Shown only
// when the server takes decisions (GET /api/review says so); the token is typed once
// and kept for the tab in sessionStorage, never written into the page.
import { getJSON } from './dom.js';

const TOKEN_KEY = 'kg-review-token';

/** A reviewer ({send(body)}) when the server takes decisions, else null. */
export async function reviewer() {
  let capability;
  try { capability = await getJSON('/api/review'); } catch (e) { return null; }
  if (!capability.enabled) return null;
  return { send };
}

async function send(body) {
  let token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    token = window.prompt('Review token (the server\u2019s KG_REVIEW_TOKEN):');
    if (!token) return null;
    sessionStorage.setItem(TOKEN_KEY, token);
  }
  const r = await fetch('/api/review', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json',
               Authorization: 'Bearer ' + token },
    body: JSON.stringify(body),
  });
  const answer = await r.json().catch(() => ({}));
  if (r.status === 401 || r.status === 403) sessionStorage.removeItem(TOKEN_KEY);  // ask again
  if (!r.ok) throw new Error((answer.error && answer.error.message) || ('HTTP ' + r.status));
  return answer;
}
