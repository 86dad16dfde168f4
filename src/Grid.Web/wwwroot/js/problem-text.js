// What a refused request says, shared by the field app and the citizen pages (each with its own texts, t): the
// sentence in the page's language when the server keyed it (reasonKey + reasonArgs beside the detail,
// HistoryTexts.ProblemPrefix on the server), else the server's own sentence; null when the answer is no problem.
export function problemSentence(data, t) {
  if (!data || typeof data !== 'object') return null;
  if (typeof data.reasonKey === 'string') {
    const key = 'Problem.' + data.reasonKey;
    const text = t(key, ...(Array.isArray(data.reasonArgs) ? data.reasonArgs : []));
    if (text !== key) return text;
  }
  return data.detail || data.title || null;
}
