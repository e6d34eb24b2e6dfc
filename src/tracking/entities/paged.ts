/** One page of results and the token for the next (`mlflow.store.entities.PagedList`). */
export interface PagedList<T> {
  /** The items of this page. */
  items: T[];
  /** Token for the next page; undefined on the last page. */
  nextPageToken?: string;
}
