// What an epoch reports: the columns of metrics.csv and the values callbacks monitor.
export interface EpochLogs {
  epoch: number;
  train_loss: number;
  train_acc: number;
  /** The regularization penalty, reported apart from the data loss (0 without regularizers). */
  penalty: number;
  val_loss?: number;
  val_acc?: number;
  lr: number;
  seconds: number;
  rss_mb: number;
  [metric: string]: number | undefined;
}

export const CSV_COLUMNS = ['epoch', 'train_loss', 'train_acc', 'val_loss', 'val_acc', 'penalty', 'lr', 'seconds', 'rss_mb'] as const;
