;;; evalens-variables.el --- The variables view of evalens  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; `evalens-variables' (C-c . v) lists the module namespace of the
;; buffer it is run from in `*evalens-variables*', a `tabulated-list-mode'
;; buffer with the columns Name, Type, Size and Value:
;;
;;   Name          Type   Size  Value
;;   ▸ numbers     list      3  [10, 20, 30]
;;   ▸ table       dict      1  {'a': 1}
;;
;; `▸' marks an entry with children: RET expands it (`▾', its children
;; indented under it) or collapses it; a row `… N more' ends a list with
;; more entries than shown, and RET on it loads the next page.  `a' lists
;; every name (also `_' names, modules, functions and classes) or only
;; variables again, `g' asks again.
;;
;; The pages are the server's variables command, read in the idle
;; interpreter without running any user code.  After each run in the
;; view's module the server sends evalens/variablesChanged (evalens.el
;; handles it): the view asks again for what it shows.  Refs last until
;; the next run, so an expanded entry is expanded again by its path of
;; names from the fresh refs, or collapsed when it is gone.  While code
;; runs the server refuses (busy): told in one line, and the view
;; refreshes when the run ends.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'tabulated-list)
(require 'eglot)
(require 'evalens-run)

(declare-function evalens--command "evalens" (role))

(defconst evalens-variables-buffer-name "*evalens-variables*")

(defconst evalens-variables-page-size 100
  "Entries asked for per page (the server's default; at most 1000).")

(defconst evalens-variables-busy-message
  "evalens: the interpreter is busy running code; the variables view refreshes when it ends"
  "Told when the server refuses a page because code runs.")

(cl-defstruct (evalens--var (:constructor evalens--var-create))
  key name type repr ref size expanded children total)

(defvar-local evalens--variables-source nil "The buffer whose module the view lists.")
(defvar-local evalens--variables-uri nil "The uri of `evalens--variables-source'.")
(defvar-local evalens--variables-all nil "Non-nil lists every name, not only variables.")
(defvar-local evalens--variables-root nil "The tree shown: an `evalens--var'.")
(defvar-local evalens--variables-wanted nil
  "What the user asked to see, apart from the tree (whose refs last one run).
A hash table: an entry's key (its path of names; \"\" the namespace) to
how many of its entries to load, for the namespace and each entry expanded.")
(defvar-local evalens--variables-generation 0 "Bumped by each refresh.")
(defvar-local evalens--variables-pending nil "Non-nil while a refresh waits for answers.")

(defun evalens--variables-reason (err)
  "The reason of ERR, a refusal of the server (\"busy\", \"staleRef\"), or nil."
  (and (eql (plist-get err :code) -32602) (plist-get (plist-get err :data) :reason)))

(defun evalens--variables-tell (err &optional quiet)
  "Tell ERR in one line, unless QUIET."
  (unless quiet
    (message "%s" (if (equal (evalens--variables-reason err) "busy")
                      evalens-variables-busy-message
                    (evalens-error-text err)))))

(defun evalens--variables-fetch (node start count callback)
  "Ask for COUNT entries from START of NODE; call CALLBACK with (ERR NODES TOTAL).
NODE without a ref is the namespace; else its children are asked for by its ref."
  (let* ((view (current-buffer))
         (source evalens--variables-source)
         (argument (list :start start :count (min (max count 1) 1000))))
    (if (evalens--var-ref node)
        (setq argument (plist-put argument :ref (evalens--var-ref node)))
      (setq argument (plist-put argument :uri evalens--variables-uri))
      (setq argument (plist-put argument :all (if evalens--variables-all t :json-false))))
    (condition-case err
        (with-current-buffer (if (buffer-live-p source) source (user-error "evalens: the buffer of the variables view was killed"))
          (evalens-execute
           (evalens--command 'variables) argument
           (lambda (result)
             (when (buffer-live-p view)
               (with-current-buffer view
                 (funcall callback nil
                          (mapcar (lambda (entry)
                                    (let ((name (format "%s" (plist-get entry :name))))
                                      (evalens--var-create
                                       :key (concat (evalens--var-key node) "\0" name) :name name
                                       :type (plist-get entry :type) :repr (plist-get entry :repr)
                                       :ref (plist-get entry :ref) :size (plist-get entry :size))))
                                  (plist-get result :variables))
                          (plist-get result :total)))))
           (lambda (err)
             (when (buffer-live-p view)
               (with-current-buffer view (funcall callback err nil nil))))))
      (error (funcall callback (list :code -1 :message (error-message-string err)) nil nil)))))

(defun evalens--variables-one-line (text)
  (replace-regexp-in-string "\n" "\\\\n" (format "%s" (or text "")) t))

(defun evalens--variables-row (node depth)
  "The tabulated-list entry of NODE at DEPTH (0: the namespace's own)."
  (list (evalens--var-key node)
        (vector (concat (make-string (* 2 depth) ?\s)
                        (cond ((not (evalens--var-ref node)) " ")
                              ((evalens--var-expanded node) "▾")
                              (t "▸"))
                        " " (evalens--variables-one-line (evalens--var-name node)))
                (evalens--variables-one-line (evalens--var-type node))
                (if (evalens--var-size node) (number-to-string (evalens--var-size node)) "")
                (evalens--variables-one-line (evalens--var-repr node)))))

(defvar-local evalens--variables-items nil "Row id to its node, or (more . NODE).")

(defun evalens--variables-render ()
  "Show the tree: `tabulated-list-entries', point kept on its row."
  (let ((items (make-hash-table :test #'equal))
        (rows nil))
    (cl-labels ((add (node depth)
                  (dolist (child (evalens--var-children node))
                    (push (evalens--variables-row child depth) rows)
                    (puthash (evalens--var-key child) child items)
                    (when (evalens--var-expanded child) (add child (1+ depth))))
                  (let ((more (- (or (evalens--var-total node) 0) (length (evalens--var-children node))))
                        (id (concat (evalens--var-key node) "\0…")))
                    (when (> more 0)
                      (push (list id (vector (format "%s  … %d more" (make-string (* 2 depth) ?\s) more) "" "" ""))
                            rows)
                      (puthash id (cons 'more node) items)))))
      (when evalens--variables-root
        (add evalens--variables-root 0)
        (when (eql (evalens--var-total evalens--variables-root) 0)
          (push (list 'none (vector (if evalens--variables-all "(no names)" "(no variables)")
                                    "" "" ""))
                rows))))
    (setq evalens--variables-items items
          tabulated-list-entries (nreverse rows)
          mode-line-process (evalens--variables-title))
    (tabulated-list-print t)))

(defun evalens--variables-title ()
  "The module and how many names it has, for the mode line."
  (let ((root evalens--variables-root)
        (file (if (buffer-live-p evalens--variables-source) (buffer-name evalens--variables-source) "?")))
    (if (not root)
        (format " %s" file)
      (let ((count (evalens--var-total root)))
        (format " %s · %d %s%s" file count
                (if evalens--variables-all (if (= count 1) "name" "names") (if (= count 1) "variable" "variables"))
                (if evalens--variables-all " (all)" ""))))))

(defun evalens-variables-refresh (&optional quiet callback)
  "Ask again for everything the view shows.
The namespace's pages loaded so far, then each expanded entry's children
by its path of names, from the fresh refs; one gone, or with nothing to
expand now, is collapsed.  Shown when every answer came.  QUIET: a busy
interpreter is not told.  CALLBACK, when non-nil, is called with non-nil
on success."
  (interactive)
  (cl-incf evalens--variables-generation)
  (let* ((generation evalens--variables-generation)
         (wanted evalens--variables-wanted)
         (root (evalens--var-create :key "" :expanded t))
         (found (make-hash-table :test #'equal))
         (waiting 0)
         (failed nil))
    (puthash "" t found)
    (setq evalens--variables-pending t)
    (cl-labels
        ((settle ()
           (cl-decf waiting)
           (when (and (= waiting 0) (= generation evalens--variables-generation))
             (setq evalens--variables-pending nil)
             (if failed
                 (evalens--variables-tell
                  failed (or quiet (equal (evalens--variables-reason failed) "staleRef")))
               (setq evalens--variables-root root)
               (dolist (key (hash-table-keys wanted))
                 (unless (gethash key found) (remhash key wanted))))
             (evalens--variables-render)
             (when callback (funcall callback (not failed)))))
         (load-node (node)
           (cl-incf waiting)
           (evalens--variables-fetch
            node 0 (gethash (evalens--var-key node) wanted evalens-variables-page-size)
            (lambda (err nodes total)
              (when (= generation evalens--variables-generation)
                (cond ((and err (or (eq node root) (equal (evalens--variables-reason err) "busy")))
                       (setq failed (or failed err)))
                      (err (setf (evalens--var-expanded node) nil)) ; stale meanwhile: refreshed again
                      (t (setf (evalens--var-children node) nodes
                               (evalens--var-total node) total
                               (evalens--var-expanded node) t)
                         (dolist (child nodes)
                           (when (and (gethash (evalens--var-key child) wanted) (evalens--var-ref child))
                             (puthash (evalens--var-key child) t found)
                             (load-node child)))))
                (settle))))))
      (load-node root))))

(defun evalens--variables-load-page (node start callback)
  "Load a page of NODE from START (0: its first page).
`evalens--variables-wanted' says it is wanted already.  A refresh
under way or a ref gone stale is left to a refresh, which reads what is
wanted.  CALLBACK is called with non-nil on success."
  (if evalens--variables-pending
      (evalens-variables-refresh t callback)
    (let ((generation evalens--variables-generation))
      (evalens--variables-fetch
       node start evalens-variables-page-size
       (lambda (err nodes total)
         (cond ((/= generation evalens--variables-generation) (funcall callback nil))
               ((equal (evalens--variables-reason err) "staleRef") (evalens-variables-refresh t callback))
               (err (evalens--variables-tell err) (funcall callback nil))
               (t (setf (evalens--var-children node) (append (and (> start 0) (evalens--var-children node)) nodes)
                        (evalens--var-total node) total
                        (evalens--var-expanded node) t)
                  (evalens--variables-render)
                  (funcall callback t))))))))

(defun evalens-variables-toggle (&optional callback)
  "Expand or collapse the entry at point, or load more of a `… N more' row.
CALLBACK, when non-nil, is called with non-nil once it is shown."
  (interactive)
  (let ((item (gethash (tabulated-list-get-id) evalens--variables-items))
        (done (or callback #'ignore)))
    (cond ((null item) (funcall done nil))
          ((eq (car-safe item) 'more)
           (let ((node (cdr item)))
             (puthash (evalens--var-key node) (+ (length (evalens--var-children node)) evalens-variables-page-size)
                      evalens--variables-wanted)
             (evalens--variables-load-page node (length (evalens--var-children node)) done)))
          ((not (evalens--var-ref item)) (funcall done nil))
          ((evalens--var-expanded item)
           (remhash (evalens--var-key item) evalens--variables-wanted)
           (setf (evalens--var-expanded item) nil (evalens--var-children item) nil)
           (evalens--variables-render)
           (funcall done t))
          (t (puthash (evalens--var-key item) evalens-variables-page-size evalens--variables-wanted)
             (evalens--variables-load-page item 0 done)))))

(defun evalens-variables-toggle-all ()
  "List every name, or only variables again.
Every name: also `_' names, modules, functions and classes."
  (interactive)
  (setq evalens--variables-all (not evalens--variables-all))
  (evalens-variables-refresh))

(defvar evalens-variables-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "RET") #'evalens-variables-toggle)
    (define-key map "g" #'evalens-variables-refresh)
    (define-key map "a" #'evalens-variables-toggle-all)
    map)
  "Keymap of `evalens-variables-mode'.")

(define-derived-mode evalens-variables-mode tabulated-list-mode "evalens-variables"
  "The variables of a module, as the evalens server lists them.
RET expands or collapses an entry (or loads more), `a' lists every name
or variables only, `g' asks again.

\\{evalens-variables-mode-map}"
  (setq tabulated-list-format [("Name" 30 nil) ("Type" 16 nil) ("Size" 6 nil :right-align t) ("Value" 0 nil)]
        tabulated-list-sort-key nil
        tabulated-list-padding 0
        buffer-undo-list t
        evalens--variables-wanted (make-hash-table :test #'equal))
  (setq-local revert-buffer-function (lambda (&rest _) (evalens-variables-refresh)))
  (tabulated-list-init-header))

(defun evalens-variables (&optional callback)
  "List the variables of this buffer's module in `*evalens-variables*'.
Shown in a window and selected.  CALLBACK, when non-nil, is called with
non-nil once the view shows them."
  (interactive)
  (evalens--server)                     ; a server that runs, or nothing is shown
  (let ((source (current-buffer))
        (uri (evalens--uri))
        (view (get-buffer-create evalens-variables-buffer-name)))
    (with-current-buffer view
      (unless (derived-mode-p 'evalens-variables-mode)
        (evalens-variables-mode))
      (unless (equal uri evalens--variables-uri) ; another module: its expanded entries mean nothing here
        (setq evalens--variables-root nil
              evalens--variables-wanted (make-hash-table :test #'equal)))
      (setq evalens--variables-source source
            evalens--variables-uri uri)
      (evalens--variables-render)
      (evalens-variables-refresh nil callback))
    (select-window (display-buffer view))
    view))

(defun evalens--variables-changed (uri reset)
  "A run in the module of URI ended: the view asks again.
The server said so with evalens/variablesChanged.  RESET non-nil: a new
interpreter replaced the one that ran code (URI is the module that ran
last), every entry is gone and the view starts over."
  (when-let ((view (get-buffer evalens-variables-buffer-name)))
    (with-current-buffer view
      (when (and (derived-mode-p 'evalens-variables-mode) (or reset (equal uri evalens--variables-uri)))
        (when reset
          (setq evalens--variables-wanted (make-hash-table :test #'equal)))
        (evalens-variables-refresh t)))))

(provide 'evalens-variables)
;;; evalens-variables.el ends here
