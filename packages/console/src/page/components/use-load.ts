import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorText } from '../text.js';

/** Loads what `load` returns whenever `key` changes, and again on `refresh()`; the last answer stays while reloading. */
export function useLoad<T>(load: () => Promise<T>, key: string) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // Not `load` itself as a dependency: it is a new closure on every render. `key` names what it reads.
  const run = useCallback(async () => {
    setLoading(true);
    try {
      setData(await load());
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setLoading(false);
    }
  }, [key]);
  useEffect(() => void run(), [run]);
  return { data, error, loading, refresh: run };
}
