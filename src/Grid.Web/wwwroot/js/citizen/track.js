// The tracking page /r/t/{code}: the status in plain words, the city's public notes, published
// before/after photos, and after closing the follow-up question (回访). The code in the address is
// the only key to this page; it is never shown to anyone else.
import { t, esc, when, registerWorker, showNet } from './common.js';

const $ = (id) => document.getElementById(id);
const code = $('track').dataset.code;

// A note the city's system wrote (noteKey) in this page's language; the staff's own notes as written.
function noteText(n) {
  const key = n.noteKey ? 'History.PublicNote.' + n.noteKey : null;
  const text = key ? t(key) : null;
  return text && text !== key ? text : n.note;
}

async function load() {
  let res;
  try {
    res = await fetch(`/api/citizen/track/${encodeURIComponent(code)}`);
  } catch {
    $('track-status').textContent = t('Citizen.Track.Offline');
    return;
  }
  if (res.status === 404) { $('track-status').textContent = t('Citizen.Track.NotFound'); return; }
  if (!res.ok) { $('track-status').textContent = `HTTP ${res.status}`; return; }
  $('track-status').textContent = res.headers.get('X-From-Cache') ? t('Citizen.Track.Offline') : '';
  render(await res.json());
}

function render(v) {
  $('track-body').hidden = false;
  $('track-state').textContent = t('Citizen.State.' + v.state);
  $('track-state').className = 'state state-' + v.state;
  $('track-kind').textContent = document.documentElement.lang.startsWith('en') ? v.categoryNameEn : v.categoryNameZh;
  $('track-meta').textContent = [t('Citizen.Track.CaseNo', v.caseNo), t('Citizen.Track.Reported', when(v.reportedAt)),
    v.deadline && !v.closed ? t('Citizen.Track.Expected', when(v.deadline)) : null].filter(Boolean).join(' · ');
  $('track-description').textContent = v.description;
  $('track-address').textContent = v.address;
  $('track-merged').hidden = !v.mergedInto;
  if (v.mergedInto) $('track-merged').textContent = t('Citizen.Track.Merged', v.mergedInto);
  $('track-supporter').hidden = !v.supporter;
  $('track-notes').innerHTML = v.notes.length
    ? v.notes.map((n) => `<li><time>${esc(when(n.at))}</time><p>${esc(noteText(n))}</p></li>`).join('')
    : `<li class="muted">${esc(t('Citizen.Track.NoNotes'))}</li>`;
  $('track-photos-box').hidden = v.photos.length === 0;
  $('track-photos').innerHTML = v.photos.map((p) => `<figure><a href="${esc(p.url)}" target="_blank" rel="noopener"><img src="${esc(p.url)}" alt="${esc(t(p.kind === 'after' ? 'Citizen.Track.After' : 'Citizen.Track.Before'))}" loading="lazy"></a>
      <figcaption>${esc(t(p.kind === 'after' ? 'Citizen.Track.After' : 'Citizen.Track.Before'))}</figcaption></figure>`).join('');
  const f = v.followUp;
  $('followup').hidden = !f.asked;
  $('followup-form').hidden = f.answered;
  $('followup-late').hidden = !f.noAnswer;
  $('followup-answer').hidden = !f.answered;
  if (f.answered) {
    $('followup-answer').textContent = t('Citizen.FollowUp.Answered',
      t(f.solved ? 'Citizen.FollowUp.Solved' : 'Citizen.FollowUp.NotSolved'), t('Citizen.FollowUp.' + f.satisfaction));
  }
}

$('followup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const solved = $('followup-form').querySelector('input[name=solved]:checked')?.value;
  const satisfaction = $('followup-form').querySelector('input[name=satisfaction]:checked')?.value;
  const error = $('followup-error');
  error.hidden = true;
  if (!solved || !satisfaction) { error.textContent = t('Citizen.FollowUp.Missing'); error.hidden = false; return; }
  let res;
  try {
    res = await fetch(`/api/citizen/track/${encodeURIComponent(code)}/followup`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ solved: solved === 'yes', satisfaction, comment: $('followup-comment').value.trim() || null }),
    });
  } catch { error.textContent = t('Citizen.Net.Offline'); error.hidden = false; return; }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    error.textContent = body.detail || `HTTP ${res.status}`;
    error.hidden = false;
    return;
  }
  const answer = await res.json();
  $('followup-done').textContent = answer.reopened ? t('Citizen.FollowUp.Reopened') : t('Citizen.FollowUp.Thanks');
  $('followup-done').hidden = false;
  await load();
});

registerWorker();
showNet();
load();
