"""Operations: what the task worker and the queues are doing, for Admins and monitors."""
